#!/usr/bin/env python
from villagebooks.cli import main

if __name__ == "__main__":
    main()
