"""`python -m bot` does what `factbot` does."""

from bot.cli import main

raise SystemExit(main())
