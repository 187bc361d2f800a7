from crm_host._server.cli import main

raise SystemExit(main())
