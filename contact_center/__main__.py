import sys

from contact_center.cli import main

sys.exit(main())
