"""`python -m tokseg`: same routing as the console script."""

from tokseg.entry import main

raise SystemExit(main())
