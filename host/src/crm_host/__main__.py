from crm_host.cli import main

raise SystemExit(main())
