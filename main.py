"""City Brain (城市大脑) command-hall console: ``python main.py --help``."""
import sys

from console.app import main

if __name__ == "__main__":
    sys.exit(main())
