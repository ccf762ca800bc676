"""The scheduler daemon: sends each issue at its scheduled time.

Not built yet: scheduling is the subject of a later issue of the project's
tracker ("Scheduling: scheduler.py sends each issue at its time, exactly
once"). Running this file says so instead of pretending to work.
"""

import sys

if __name__ == "__main__":
    sys.exit("scheduler.py: scheduling is not implemented yet; see README, 'Roadmap'.")
