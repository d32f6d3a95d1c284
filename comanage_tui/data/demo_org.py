"""The demo organisation: who the parties are, the service areas and the split between them.

A mid-sized logistics company in Berlin: a five-person internal IT team, an MSP that
runs the service desk and infrastructure, and a security firm running a 24x7 SOC. The
split is deliberately imperfect, because real ones are: one gap, one overlap, and one
area whose tickets drift to the party that does not own it.
"""

from __future__ import annotations

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
    ("erp", "ERP (SAP) first-line support", "critical", 5, {"msp": "R", "internal": "A"}, ("internal", 0.6),
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


TITLES = {
    "desk-l1": ["Password reset for {who}", "Outlook keeps asking for credentials", "Teams camera not detected",
                "New headset request", "Cannot open shared mailbox", "MFA prompt loops on phone"],
    "desk-l2": ["Roaming profile corrupt for {who}", "Excel add-in crashes on start", "VPN client fails after update",
                "Mapped drives missing after login"],
    "endpoints": ["Laptop BitLocker recovery key needed", "Intune compliance failing on {n} devices",
                  "Replace failing SSD in warehouse PC", "Autopilot enrolment stuck"],
    "network": ["Wi-Fi drops in warehouse hall {n}", "Switch port flapping in office 2F", "Slow links to depot {n}",
                "DHCP scope exhausted on guest VLAN"],
    "firewall": ["Site-to-site VPN to depot {n} down", "Open port request for carrier EDI", "Firewall firmware advisory"],
    "backup": ["Nightly backup job failed on FS0{n}", "Restore request: deleted project folder", "Backup storage at 92 %"],
    "patching": ["Patch Tuesday rollout ring {n}", "Server reboot window missed", "Third-party patch failed on {n} clients"],
    "secmon": ["Impossible travel alert for {who}", "Malware detection on WS-{n}", "Suspicious inbox rule created",
               "EDR sensor offline on {n} hosts"],
    "vulns": ["Critical CVE on edge appliance", "Quarterly scan findings: {n} highs", "TLS 1.0 still enabled on legacy app"],
    "identity": ["Access request: finance share for {who}", "Privileged account review", "Entra ID sync error",
                 "Leaver still has active account"],
    "m365": ["SharePoint site permissions for logistics", "Mailbox migration batch {n}", "Licence assignment failed",
             "Teams policy change request"],
    "erp": ["SAP transport stuck in QA", "Invoice posting error in FI", "SAP GUI patch for {n} users",
            "Batch job ZMM_{n} runs long"],
    "servers": ["Hypervisor host memory alarm", "Disk space low on APP0{n}", "Certificate expiry on intranet"],
    "printing": ["Label printer offline in dock {n}", "Scan to e-mail broken", "Toner order for 3F"],
    "onboarding": ["New starter: {who}", "Leaver: disable accounts for {who}", "Mover: department change for {who}"],
    "vendors": ["Renew Adobe licences", "Vendor contract review: copier lease", "True-up for Microsoft licences"],
}

REQUESTERS = ["K. Schmidt", "A. Novak", "M. Larsen", "J. Okafor", "S. Petrov", "L. Moreau", "R. Gupta", "T. Berg"]

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
