"""The limit: a plain smtplib loop sending pre-built .eml files over ONE connection, nothing else.

    python smtp_loop.py FOLDER HOST PORT SENDER

No journal, no retries, no checks: each file is read, its To address taken from its header, and
the bytes handed to smtplib.sendmail. Nothing a real sender can skip is left out either: the files
must be read and the envelope recipient found.
"""

import re
import smtplib
import sys
from pathlib import Path

# The first To: line is the message's own: the header comes before any MIME part.
TO = re.compile(rb"^To:[^\r\n]*<([^>\r\n]+)>", re.MULTILINE | re.IGNORECASE)


def main() -> None:
    folder, host, port, sender = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4]
    with smtplib.SMTP(host, port) as smtp:
        for path in sorted(folder.glob("*.eml")):
            data = path.read_bytes()
            found = TO.search(data)
            if found is None:
                sys.exit(f"{path}: no To: address")
            smtp.sendmail(sender, [found[1].decode()], data)


if __name__ == "__main__":
    main()
