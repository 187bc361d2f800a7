"""The reliability and fault suite: bad input and misbehaving plugins against real hosts."""
