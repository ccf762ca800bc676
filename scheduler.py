"""The scheduler daemon: sends each issue at its scheduled time, exactly once.

    python scheduler.py        (from the project folder; see README, "Scheduling")
"""

from newsletter.scheduling.daemon import main

if __name__ == "__main__":
    main()
