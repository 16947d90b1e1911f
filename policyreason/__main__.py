from policyreason.cli import main

raise SystemExit(main())
