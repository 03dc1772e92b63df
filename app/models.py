"""Every model of every domain, imported in one place so the metadata is complete."""
from app.schedule.models import (  # noqa: F401
    Exhibition,
    ExhibitionDay,
    Film,
    JuryMember,
    ProcessMaterial,
    Slot,
    Team,
    Venue,
)
from app.staff.models import ApiToken, AuditEntry, StaffMember  # noqa: F401
from app.tickets.models import DayEntry, OutboxMail, Registration, Seat, Ticket  # noqa: F401
from app.checkin.models import Presence, Scan  # noqa: F401
from app.challenge.models import (  # noqa: F401
    Ballot,
    ChallengeRound,
    ChallengeSettings,
    DisplayScreen,
    JuryScore,
    KioskState,
    Story,
    StoryFrame,
    Vote,
)
