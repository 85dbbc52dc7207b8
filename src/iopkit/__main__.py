"""``python -m iopkit``: the command line."""

from iopkit._cli import main

if __name__ == "__main__":
    main(prog_name="iopkit")
