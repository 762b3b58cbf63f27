"""csw.toml pieces the email and roster tests share: Acme's organisation, two shifts (day and late),
and the sender."""

SHIFTS_AND_EMAIL = """
[[team.shifts]]
name = "day"
start = "08:00"
end = "16:30"

[[team.shifts]]
name = "late"
start = "12:00"
end = "20:30"

[email]
from = "Pat Lee <pat@acme.example>"
sponsor = "Dana Ruiz <dana@acme.example>"
"""

ACME = """
[organization]
name = "Acme Support"
team = "Customer Care"
timezone = "America/Chicago"
domain = "acme.example"
"""

TO_RECIPIENTS = ("--recipients", "recipients.csv")  # the recipients file the email tests write
