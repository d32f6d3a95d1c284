"""The demo organisation: who the parties are, the service areas and the split between them.

A mid-sized logistics company in Berlin: a five-person internal IT team, an MSP that
runs the service desk and infrastructure, and a security firm running a 24x7 SOC. The
split is deliberately imperfect, because real ones are: one gap, one overlap, and one
area whose tickets drift to the party that does not own it.
"""

from __future__ import annotations

from typing import NamedTuple

PARTIES = [
    # key, name, kind, calendar used for handoff ack clocks, description
    ("internal", "Internal IT", "internal", "office", "Nordwind Logistics' own IT team: lead, infrastructure, ERP and identity."),
    ("msp", "Brightline MSP", "partner", "office", "Managed service provider: service desk L1/L2, endpoints, network, backup, patching."),
    ("secops", "Sentinel Security", "partner", "24x7", "Security firm: 24x7 SOC, vulnerability management, incident response."),
]

PEOPLE = [
    # party, name, role
    ("internal", "Dana Keller", "IT lead"),
    ("internal", "Jonas Weber", "Infrastructure engineer"),
    ("internal", "Priya Nair", "ERP and identity specialist"),
    ("internal", "Tomasz Nowak", "Workplace engineer"),
    ("internal", "Lea Brandt", "Junior administrator"),
    ("msp", "Sam Ortiz", "Service delivery manager"),
    ("msp", "Alex Chen", "Service desk L2"),
    ("msp", "Maria Rossi", "Service desk L1"),
    ("msp", "Noah Fischer", "Network engineer"),
    ("msp", "Elif Yilmaz", "Backup and cloud engineer"),
    ("secops", "Iris Novak", "SOC lead"),
    ("secops", "Ben Adler", "SOC analyst"),
]

# key, name, criticality, weight of ticket volume, RACI {party: letter} (one letter per party),
# drift: (party that ends up holding tickets it is not R for, share), people who can do it (by name).
# The party with R does the work; tickets are generated for it unless they drift.
AREAS = [
    ("desk-l1", "Service desk L1", "high", 22, {"msp": "R", "internal": "A"}, None,
     ["Maria Rossi", "Alex Chen", "Lea Brandt"]),
    ("desk-l2", "Service desk L2 escalations", "high", 12, {"msp": "R", "internal": "A"}, None,
     ["Alex Chen", "Tomasz Nowak"]),
    ("endpoints", "Endpoint management", "medium", 9, {"msp": "R", "internal": "A"}, None,
     ["Alex Chen", "Tomasz Nowak", "Lea Brandt"]),
    ("network", "Network and Wi-Fi", "high", 7, {"msp": "R", "internal": "A", "secops": "I"}, None,
     ["Noah Fischer", "Jonas Weber"]),
    ("firewall", "Firewall and VPN", "critical", 4, {"msp": "R", "internal": "A", "secops": "C"}, None,
     ["Noah Fischer"]),
    ("backup", "Backup and restore", "critical", 5, {"msp": "R", "internal": "A"}, None,
     ["Elif Yilmaz"]),
    ("patching", "Patch management", "high", 6, {"msp": "R", "internal": "A", "secops": "C"}, None,
     ["Elif Yilmaz", "Tomasz Nowak"]),
    ("secmon", "Security monitoring (SOC)", "critical", 6, {"secops": "R", "internal": "A"}, None,
     ["Iris Novak", "Ben Adler"]),
    # Overlap: the MSP patches the findings and believes it is accountable; so does the internal team.
    ("vulns", "Vulnerability management", "high", 4, {"secops": "R", "internal": "A", "msp": "A"}, None,
     ["Ben Adler", "Jonas Weber"]),
    ("identity", "Identity and access", "critical", 6, {"internal": "R", "secops": "A", "msp": "C"}, None,
     ["Priya Nair"]),
    ("m365", "Microsoft 365 and cloud", "high", 6, {"msp": "R", "internal": "A"}, None,
     ["Elif Yilmaz", "Jonas Weber", "Alex Chen"]),
    # Drift: the MSP is responsible for first-line SAP support, yet most tickets end up with the internal team.
    ("erp", "ERP (SAP) first-line support", "critical", 5, {"msp": "R", "internal": "A"}, ("internal", 0.55),
     ["Priya Nair"]),
    ("servers", "Servers and virtualisation", "high", 4, {"msp": "R", "internal": "A", "secops": "I"}, None,
     ["Jonas Weber", "Elif Yilmaz"]),
    # Gap: the printers nobody owns: consulted and informed, but no R and no A.
    ("printing", "Printing and scanning", "low", 3, {"msp": "C", "internal": "I"}, None,
     ["Maria Rossi"]),
    ("onboarding", "Joiners, movers, leavers", "medium", 4, {"msp": "R", "internal": "A"}, ("internal", 0.2),
     ["Lea Brandt", "Maria Rossi", "Priya Nair"]),
    ("vendors", "Vendor and licence management", "medium", 2, {"msp": "R", "internal": "A"}, None,
     ["Dana Keller", "Sam Ortiz"]),
]


def owner_of(raci: dict[str, str]) -> str:
    """The party that does the work of an area: its R, else its A, else the MSP (for the gap)."""
    for letter in ("R", "A"):
        for party, have in raci.items():
            if have == letter:
                return party
    return "msp"


class Template(NamedTuple):
    """One kind of ticket an area gets: its title and what follows from it.

    `priorities` are relative weights of P1..P4 (a request is never P1; an outage is P1 or
    P2); `weight` is how often it comes up within its area; `effort` scales the work to
    resolve it (a password reset is quick, a migration batch is not); `wait` is who it
    typically waits for ("customer", "vendor" or ""); `handoff` names the party it is
    usually passed to when it is passed on ("" = a party of the area's RACI). Quick jobs
    (effort below demo.HANDOFF_MIN_EFFORT) are done where they land, never passed on.
    """

    title: str
    kind: str  # "incident" | "request"
    priorities: tuple[int, int, int, int]
    weight: float = 1.0
    effort: float = 1.0
    wait: str = ""
    handoff: str = ""


T = Template
INC, REQ = "incident", "request"
OUTAGE = (7, 3, 0, 0)

# Every ticket the demo writes is one of these, in its area; {who} is a requester, {n} a number 2–9.
CATALOGUE: dict[str, list[Template]] = {
    "desk-l1": [T("Password reset for {who}", REQ, (0, 0, 2, 8), 6, 0.3, "customer"),
                T("New headset request", REQ, (0, 0, 1, 9), 2, 0.5, "vendor"),
                T("Replacement phone for {who}", REQ, (0, 0, 3, 7), 1, 0.6, "vendor"),
                T("Outlook keeps asking for credentials", INC, (0, 1, 7, 2), 3),
                T("Teams camera not detected", INC, (0, 0, 6, 4), 2, 0.6),
                T("Cannot open shared mailbox", INC, (0, 1, 7, 2), 3, 0.7),
                T("MFA prompt loops on phone", INC, (0, 2, 7, 1), 2, 0.6, "customer")],
    "desk-l2": [T("Roaming profile corrupt for {who}", INC, (0, 1, 7, 2), 3),
                T("Excel add-in crashes on start", INC, (0, 1, 7, 2), 3),
                T("VPN client fails after update on {n} laptops", INC, (0, 4, 5, 1), 2),
                T("Mapped drives missing after login", INC, (0, 2, 7, 1), 3, 0.8),
                T("Software request: Visio for {who}", REQ, (0, 0, 3, 7), 2, 0.5, "vendor")],
    "endpoints": [T("BitLocker recovery key needed for {who}", INC, (0, 3, 6, 1), 2, 0.2, "customer"),
                  T("Intune compliance failing on {n} devices", INC, (0, 2, 6, 2), 2),
                  T("Replace failing SSD in warehouse PC", INC, (0, 0, 6, 4), 2, 1.0, "vendor"),
                  T("Autopilot enrolment stuck", INC, (0, 1, 6, 3), 2),
                  T("New laptop for {who}", REQ, (0, 0, 3, 7), 2, 0.8, "vendor")],
    "network": [T("Wi-Fi drops in warehouse hall {n}", INC, (1, 5, 4, 0), 3),
                T("Switch port flapping in office 2F", INC, (0, 3, 6, 1), 2),
                T("Slow links to depot {n}", INC, (0, 4, 6, 0), 2),
                T("DHCP scope exhausted on guest VLAN", INC, (0, 2, 7, 1), 1, 0.5),
                T("Core switch down in hall {n}", INC, OUTAGE, 0.4, 1.2, "vendor"),
                T("New network port for office 3F", REQ, (0, 0, 3, 7), 1)],
    "firewall": [T("Site-to-site VPN to depot {n} down", INC, OUTAGE, 1.5, 1.0, "vendor"),
                 T("Open port request for carrier EDI", REQ, (0, 0, 6, 4), 2, 0.8, "customer", "secops"),
                 T("Firewall firmware advisory", INC, (0, 4, 6, 0), 1, 1.0, "", "secops"),
                 T("VPN access for contractor {who}", REQ, (0, 0, 5, 5), 1, 0.5, "customer")],
    "backup": [T("Nightly backup job failed on FS0{n}", INC, (0, 5, 5, 0), 3),
               T("Restore request: deleted project folder", REQ, (0, 3, 6, 1), 2, 0.7, "customer"),
               T("Backup storage at 92 %", INC, (0, 3, 6, 1), 1, 1.0, "vendor"),
               T("Backup storage full: jobs stopped", INC, (4, 6, 0, 0), 0.3),
               T("Monthly restore test", REQ, (0, 0, 4, 6), 1)],
    "patching": [T("Patch Tuesday rollout ring {n}", REQ, (0, 0, 6, 4), 3, 1.2),
                 T("Server reboot window missed", INC, (0, 2, 7, 1), 2, 0.6),
                 T("Third-party patch failed on {n} clients", INC, (0, 1, 6, 3), 2),
                 T("Emergency patch: actively exploited CVE", INC, (2, 8, 0, 0), 0.5, 1.0, "", "secops")],
    "secmon": [T("Impossible travel alert for {who}", INC, (0, 4, 6, 0), 3, 0.5, "customer"),
               T("Malware detection on WS-{n}", INC, (1, 6, 3, 0), 2, 1.0, "", "msp"),
               T("Suspicious inbox rule created", INC, (0, 5, 5, 0), 2, 0.6),
               T("EDR sensor offline on {n} hosts", INC, (0, 3, 7, 0), 2, 1.0, "", "msp"),
               T("Phishing report from {who}", INC, (0, 0, 6, 4), 3, 0.3),
               T("Ransomware behaviour blocked on FS0{n}", INC, OUTAGE, 0.3, 1.2)],
    "vulns": [T("Critical CVE on edge appliance", INC, (3, 7, 0, 0), 1, 1.0, "vendor", "msp"),
              T("Quarterly scan findings: {n} highs", REQ, (0, 2, 7, 1), 2, 1.2, "", "msp"),
              T("TLS 1.0 still enabled on legacy app", INC, (0, 0, 6, 4), 1, 1.0, "", "msp"),
              T("Pen test finding: weak SMB signing", REQ, (0, 1, 7, 2), 1, 1.0, "", "msp")],
    "identity": [T("Access request: finance share for {who}", REQ, (0, 0, 4, 6), 3, 0.4, "customer"),
                 T("Privileged account review", REQ, (0, 0, 5, 5), 1, 1.2),
                 T("Entra ID sync error", INC, (0, 5, 5, 0), 1),
                 T("Leaver still has active account", INC, (0, 6, 4, 0), 1, 0.4, "", "secops"),
                 T("Account locked out: {who}", INC, (0, 2, 6, 2), 2, 0.2)],
    "m365": [T("SharePoint site permissions for logistics", REQ, (0, 0, 5, 5), 2, 0.5, "customer"),
             T("Mailbox migration batch {n}", REQ, (0, 0, 6, 4), 1, 1.3),
             T("Licence assignment failed", INC, (0, 1, 7, 2), 2, 0.5),
             T("Teams policy change request", REQ, (0, 0, 3, 7), 1, 0.6),
             T("Exchange Online outage: mail delayed", INC, (5, 5, 0, 0), 0.3, 1.0, "vendor")],
    "erp": [T("SAP transport stuck in QA", INC, (0, 2, 7, 1), 2),
            T("Invoice posting error in FI", INC, (0, 6, 4, 0), 2),
            T("SAP GUI patch for {n} users", REQ, (0, 0, 4, 6), 1),
            T("Batch job ZMM_{n} runs long", INC, (0, 2, 7, 1), 1),
            T("SAP user unlock for {who}", REQ, (0, 0, 5, 5), 2, 0.2),
            T("SAP down for the warehouse", INC, (8, 2, 0, 0), 0.2)],
    "servers": [T("Hypervisor host memory alarm", INC, (0, 5, 5, 0), 2),
                T("Disk space low on APP0{n}", INC, (0, 3, 6, 1), 2, 0.5),
                T("Certificate expiry on intranet", INC, (0, 4, 6, 0), 1, 0.6),
                T("Test VM for the ERP team", REQ, (0, 0, 4, 6), 1),
                T("File server FS0{n} unreachable", INC, OUTAGE, 0.3)],
    "printing": [T("Label printer offline in dock {n}", INC, (0, 4, 5, 1), 2),
                 T("Scan to e-mail broken on the {n}F copier", INC, (0, 0, 6, 4), 1),
                 T("Toner order for 3F", REQ, (0, 0, 0, 1), 1, 0.3, "vendor"),
                 T("Paper jam on 2F copier", INC, (0, 0, 3, 7), 1, 0.3)],
    "onboarding": [T("New starter: {who}", REQ, (0, 0, 7, 3), 3, 1.0, "customer"),
                   T("Leaver: disable accounts for {who}", REQ, (0, 2, 8, 0), 2, 0.5),
                   T("Mover: department change for {who}", REQ, (0, 0, 5, 5), 2, 0.6)],
    "vendors": [T("Renew Adobe licences", REQ, (0, 0, 4, 6), 1, 1.0, "vendor"),
                T("Vendor contract review: copier lease", REQ, (0, 0, 2, 8), 1, 1.0, "vendor"),
                T("True-up for Microsoft licences", REQ, (0, 0, 6, 4), 1, 1.0, "vendor"),
                T("Quote for {n} replacement laptops", REQ, (0, 0, 3, 7), 1, 0.5, "vendor")],
}

# The tickets a lead should find on the first morning, placed back from `now` in business
# time on their policy's calendar, so they are in this state whatever `now` is. Each is a
# catalogue ticket: (title, area, priority, holder party, person or None,
#  business minutes open, business minutes to the first response or None,
#  handoff (to party, business minutes ago on its calendar, summary, context) or None).
STORY = [
    # Breached, with a late handoff: the MSP needs someone on site and nobody internal picked it up.
    ("Wi-Fi drops in warehouse hall 3", "network", "P2", "msp", "Noah Fischer", 600, 12,
     ("internal", 180, "Need someone on site in hall 3 to power-cycle the access point",
      "Remote reset failed twice. The cabinet key is with facilities (ext. 214).")),
    # The printing gap: nobody is Responsible, so nobody answers.
    ("Scan to e-mail broken on the 2F copier", "printing", "P3", "msp", None, 200, None, None),
    # At risk: an outage still being worked on.
    ("Site-to-site VPN to depot 4 down", "firewall", "P1", "msp", "Noah Fischer", 190, 9, None),
    # Drift: SAP first-line work the MSP is Responsible for, done by the internal team, close to its target.
    ("Invoice posting error in FI", "erp", "P2", "internal", "Priya Nair", 380, 25, None),
]

REQUESTERS = ["K. Schmidt", "A. Novak", "M. Larsen", "J. Okafor", "S. Petrov", "L. Moreau", "R. Gupta", "T. Berg",
              "F. Hoffmann", "E. Lindqvist", "C. Demir", "P. Wagner", "H. Kowalski", "N. Ferreira", "D. Braun", "Y. Tanaka"]

# (area key, topic, kind, direction, teacher name, learner names, status, due in days (neg = past),
#  last reviewed days ago or None, review interval days or None)
KT_ITEMS = [
    ("backup", "Restore runbook: file server and SQL", "runbook", "partner_to_internal", "Elif Yilmaz", ["Jonas Weber"], "in_progress", -12, None, None),
    ("backup", "Shadow a full restore test", "shadowing", "partner_to_internal", "Elif Yilmaz", ["Jonas Weber", "Lea Brandt"], "planned", 20, None, None),
    ("firewall", "Firewall rule change walkthrough", "walkthrough", "partner_to_internal", "Noah Fischer", ["Jonas Weber"], "planned", -5, None, None),
    ("firewall", "VPN troubleshooting runbook", "runbook", "partner_to_internal", "Noah Fischer", ["Jonas Weber"], "done", -40, 220, 180),
    ("network", "Core switch config and topology", "runbook", "partner_to_internal", "Noah Fischer", ["Jonas Weber"], "verified", -60, 30, 180),
    ("erp", "SAP basis tasks for MSP on-call", "walkthrough", "internal_to_partner", "Priya Nair", ["Alex Chen"], "in_progress", -3, None, None),
    ("erp", "ERP month-end runbook", "runbook", "internal_to_partner", "Priya Nair", ["Alex Chen", "Sam Ortiz"], "done", -30, 200, 90),
    ("identity", "Joiner/leaver automation runbook", "runbook", "internal_to_partner", "Priya Nair", ["Maria Rossi"], "verified", -50, 45, 180),
    ("identity", "Break-glass account handover", "access_handover", "internal_to_partner", "Dana Keller", ["Iris Novak"], "planned", 7, None, None),
    ("secmon", "SOC escalation paths walkthrough", "walkthrough", "partner_to_internal", "Iris Novak", ["Jonas Weber", "Dana Keller"], "done", -25, 10, 90),
    ("secmon", "Reverse shadowing: internal triage of SOC alerts", "reverse_shadowing", "partner_to_internal", "Iris Novak", ["Lea Brandt"], "in_progress", 14, None, None),
    ("vulns", "Scan tooling access for internal team", "access_handover", "partner_to_internal", "Ben Adler", ["Jonas Weber"], "done", -15, None, None),
    ("patching", "Patch ring definitions runbook", "runbook", "partner_to_internal", "Elif Yilmaz", ["Tomasz Nowak"], "done", -70, 400, 180),
    ("m365", "Tenant admin roles walkthrough", "walkthrough", "partner_to_internal", "Elif Yilmaz", ["Jonas Weber"], "verified", -35, 20, 365),
    ("servers", "Hypervisor runbook for MSP night cover", "runbook", "internal_to_partner", "Jonas Weber", ["Elif Yilmaz"], "planned", -9, None, None),
    ("desk-l1", "Service desk knowledge base review", "runbook", "partner_to_internal", "Maria Rossi", ["Lea Brandt"], "done", -80, 130, 90),
    ("printing", "Label printer setup guide", "runbook", "partner_to_internal", "Maria Rossi", ["Tomasz Nowak"], "planned", 30, None, None),
    ("endpoints", "Intune policy walkthrough", "walkthrough", "partner_to_internal", "Alex Chen", ["Tomasz Nowak"], "in_progress", 5, None, None),
    ("vendors", "Licence portal access for MSP", "access_handover", "internal_to_partner", "Dana Keller", ["Sam Ortiz"], "done", -20, None, None),
    ("onboarding", "New starter checklist", "runbook", "internal_to_partner", "Lea Brandt", ["Maria Rossi"], "verified", -45, 100, 90),
]

CALENDARS = [
    {
        "name": "office",
        "timezone": "Europe/Berlin",
        "weekly": {d: [["08:00", "18:00"]] for d in ("mon", "tue", "wed", "thu", "fri")},
        "holiday_country": "DE",
        "holiday_subdivision": "BE",
        "custom_holidays": [],
    },
    {"name": "24x7", "timezone": "Europe/Berlin", "always_open": True},
]

POLICIES = [
    {"name": "P1 around the clock", "calendar": "24x7", "match_priorities": ["P1"],
     "targets": {"P1": {"response_minutes": 15, "resolution_minutes": 240}}},
    {"name": "SOC 24x7", "calendar": "24x7", "match_areas": ["secmon"],
     "targets": {"P2": {"response_minutes": 30, "resolution_minutes": 480},
                 "P3": {"response_minutes": 120, "resolution_minutes": 1440},
                 "P4": {"response_minutes": 480, "resolution_minutes": 4320}}},
    {"name": "Business hours", "calendar": "office",
     "targets": {"P1": {"response_minutes": 15, "resolution_minutes": 240},
                 "P2": {"response_minutes": 30, "resolution_minutes": 480},
                 "P3": {"response_minutes": 120, "resolution_minutes": 1620},
                 "P4": {"response_minutes": 480, "resolution_minutes": 3000}}},
]

# OLAs between the parties: how long each may hold a ticket on one hop, on its own calendar
# (the MSP's desk and the SOC are staffed around the clock, the internal team keeps office hours).
OLAS = [
    {"party": "internal", "calendar": "office", "targets": {"P1": "1h", "P2": "3h", "P3": "12h", "P4": "24h"}},
    {"party": "msp", "calendar": "24x7", "targets": {"P1": "2h", "P2": "8h", "P3": "72h", "P4": "120h"}},
    {"party": "secops", "calendar": "24x7", "targets": {"P1": "1h", "P2": "4h", "P3": "24h", "P4": "72h"}},
]
