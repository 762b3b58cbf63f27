"""csw's sender alone: read_outbox and send_all on a folder of composed .eml files, no composing.

    python csw_sender.py FOLDER HOST PORT JOURNAL

The same work as `csw email send` after its compose step: read every message's headers, send over
one connection with retries armed, and journal (and fsync) each accepted message.
"""

import sys
from pathlib import Path

from csw.mail.send import SmtpSettings, read_outbox, send_all


def main() -> None:
    folder, host, port, journal = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]), Path(sys.argv[4])
    messages = read_outbox(folder)
    report = send_all(messages, SmtpSettings(host=host, port=port, security="none"), journal)
    if not report.ok or len(report.sent) != len(messages):
        sys.exit(f"sent {len(report.sent)} of {len(messages)}; failed: {len(report.failed)}")


if __name__ == "__main__":
    main()
