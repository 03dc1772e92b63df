"""My Story's staff pages under /staff: the moderation queue, the rounds, the displays and kiosks.

The queue is live: static/js/moderation.js decides through the JSON API and keeps the cards
in step with the /staff events, fetching each new card from here. The rounds and screens
pages post forms here, like the rest of the console, and fetch their lists again when /staff
says something changed (static/js/staff-dashboard.js).
"""
from __future__ import annotations

import re
from datetime import date

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup, escape
from sqlalchemy import func, select
from wtforms.fields.choices import SelectChoice

from app import clock
from app.challenge import rounds, screens, stories
from app.challenge.forms import MODE_LABELS, DisplayModeForm, KioskPauseForm, RoundEditForm
from app.challenge.models import DISPLAY_MODES, STORY_STATUSES, ChallengeRound, Story
from app.errors import DomainError
from app.extensions import db
from app.i18n import localized
from app.schedule import services as schedule
from app.schedule.formatting import day_label, day_short, hm
from app.schedule.models import Slot
from app.staff import services as staff
from app.staff.auth import roles_required
from app.staff.forms import ActionForm, fill_pair, pair, show_errors
from app.staff.models import StaffMember

bp = Blueprint("challenge_console", __name__, url_prefix="/staff")

#: Who moderates stories and runs rounds and screens; only admins create and edit rounds.
MODERATORS = ("moderator", "admin")
#: How many approved stories the spotlight pickers offer, newest first.
SPOTLIGHT_CHOICES = 50
#: Refusals of a round as a whole, and the field each is shown by (the message above the form says more).
ROUND_REFUSAL_FIELDS = {
    "round_overlap": ("starts", _l("Overlaps another round.")),
    "round_has_stories": ("beat_count", _l("Stories were already sent to this round.")),
}

bp.add_app_template_global(MODERATORS, "MY_STORY_ROLES")
bp.add_app_template_global(MODE_LABELS, "MODE_LABELS")
bp.add_app_template_global(DISPLAY_MODES, "DISPLAY_MODES")

#: A Chinese term is marked wherever it occurs, an English one as a whole word (as the screen matches them).
_HAN = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff]")


@bp.app_template_filter("mark_terms")
def mark_terms(text: str, terms: list[str]) -> Markup:
    """Visitor text, escaped, with the terms the screen flagged in <mark> (any case).

    A term the screen found through a disguise ("f.u.c.k") is not marked in the text: the
    card lists every flagged term on its own as well.
    """
    if not terms:
        return escape(text)
    patterns = [re.escape(term) if _HAN.search(term) else rf"\b{re.escape(term)}(?:e?s)?\b"
                for term in sorted(set(terms), key=len, reverse=True)]
    pieces, last = [], 0
    for match in re.finditer("|".join(patterns), text, re.IGNORECASE):
        pieces += [escape(text[last:match.start()]), Markup("<mark>%s</mark>") % match.group()]
        last = match.end()
    pieces.append(escape(text[last:]))
    return Markup("").join(pieces)


def story_counts() -> dict[str, int]:
    """How many stories are pending (and how many of those flagged), approved and rejected."""
    by_status = dict(db.session.execute(select(Story.status, func.count()).group_by(Story.status)).all())
    pending_terms = db.session.scalars(select(Story.flagged_terms).where(Story.status == "pending"))
    return {**{status: by_status.get(status, 0) for status in STORY_STATUSES},
            "flagged": sum(1 for terms in pending_terms if terms)}


@bp.app_template_global()
def my_story_summary() -> dict:
    """The dashboard's My Story card: the queue's size, auto-approve, and the open (or next) round."""
    now = clock.now()
    return {"counts": story_counts(), "auto_approve": screens.settings().auto_approve,
            "round": rounds.open_round(now), "next_round": rounds.next_round(now)}


@bp.get("/fragments/my-story")
@roles_required(*MODERATORS)
def my_story_fragment():
    """The dashboard's My Story card, fetched again when stories or rounds change."""
    return render_template("staff/challenge/summary.html")


# The moderation queue ---------------------------------------------------------------------

def _tab() -> str:
    status = request.args.get("status")
    return status if status in STORY_STATUSES else "pending"


def _people() -> dict[int, StaffMember]:
    """Accounts by id: the kiosk a story came from and who decided on it."""
    return {member.id: member for member in staff.list_staff()}


@bp.get("/stories")
@roles_required(*MODERATORS)
def story_queue():
    """Stories waiting for a decision (flagged on top), or the approved or rejected ones."""
    status = _tab()
    return render_template("staff/challenge/stories.html", status=status, stories=stories.queue(status=status),
                           people=_people(), counts=story_counts(), auto_approve=screens.settings().auto_approve)


@bp.get("/fragments/stories")
@roles_required(*MODERATORS)
def story_list_fragment():
    """One tab's cards, for a queue that reconnected and may have missed events."""
    status = _tab()
    return render_template("staff/challenge/story_list.html", stories=stories.queue(status=status),
                           people=_people())


@bp.get("/fragments/story-tabs")
@roles_required(*MODERATORS)
def story_tabs_fragment():
    """The queue's tabs with their counts, fetched again as stories come and go."""
    return render_template("staff/challenge/story_tabs.html", status=_tab(), counts=story_counts())


@bp.get("/stories/<int:story_id>/card")
@roles_required(*MODERATORS)
def story_card(story_id: int):
    """One story's card, for a queue that hears of a new or changed story."""
    return render_template("staff/challenge/story_list.html", stories=[stories.get_story(story_id)],
                           people=_people())


# Rounds -------------------------------------------------------------------------------------

def _challenge_sessions() -> list[Slot]:
    return schedule.list_slots(kind="challenge")


def _rounds_context() -> dict:
    counts: dict[int, dict[str, int]] = {}
    for round_id, status, number in db.session.execute(
            select(Story.round_id, Story.status, func.count()).group_by(Story.round_id, Story.status)):
        counts.setdefault(round_id, {})[status] = number
    return {"rounds": rounds.list_rounds(), "now": clock.now(), "story_counts": counts,
            "sessions": {slot.id: slot for slot in _challenge_sessions()}}


@bp.get("/rounds")
@roles_required(*MODERATORS)
def round_list():
    """Every round with its window, status and stories; admins edit, moderators open and close."""
    return render_template("staff/challenge/rounds.html", **_rounds_context())


@bp.get("/fragments/rounds")
@roles_required(*MODERATORS)
def rounds_fragment():
    """The rounds table, fetched again when a round or a story changes."""
    return render_template("staff/challenge/rounds_table.html", **_rounds_context())


def _round_form(challenge_round: ChallengeRound | None) -> RoundEditForm:
    form = RoundEditForm()
    days = [day.date for day in schedule.list_days()]
    if challenge_round is not None and clock.today(challenge_round.starts_at) not in days:
        days = sorted([*days, clock.today(challenge_round.starts_at)])
    form.day.choices = [SelectChoice(on.isoformat(), day_label(on)) for on in days]
    form.session_id.choices = [SelectChoice(0, _("None: an extra round"))] + [
        SelectChoice(slot.id, f"{day_short(slot.starts_at)} {hm(slot.starts_at)}–{hm(slot.ends_at)} · "
                              f"{localized(slot.title)}") for slot in _challenge_sessions()]
    if challenge_round is not None and not form.is_submitted():
        fill_pair(form, "title", challenge_round.title)
        fill_pair(form, "theme", challenge_round.theme)
        form.day.data = clock.today(challenge_round.starts_at).isoformat()
        form.starts.data = clock.local(challenge_round.starts_at).time()
        form.ends.data = clock.local(challenge_round.ends_at).time()
        form.beat_count.data = challenge_round.beat_count
        form.session_id.data = challenge_round.slot_id or 0
    elif challenge_round is None and not form.is_submitted():
        form.day.data = clock.today().isoformat()
    return form


def _round_fields(form: RoundEditForm) -> rounds.RoundForm:
    on = date.fromisoformat(form.day.data)
    return rounds.RoundForm(title=pair(form, "title"), theme=pair(form, "theme"),
                            starts_at=clock.at_local(on, form.starts.data),
                            ends_at=clock.at_local(on, form.ends.data),
                            beat_count=form.beat_count.data, session_id=form.session_id.data or None)


@bp.route("/rounds/new", methods=["GET", "POST"], defaults={"round_id": None})
@bp.route("/rounds/<int:round_id>/edit", methods=["GET", "POST"])
@roles_required("admin")
def edit_round(round_id: int | None):
    """Add a round or change one; an overlap with another round is refused by its name."""
    challenge_round = rounds.get_round(round_id) if round_id else None
    form = _round_form(challenge_round)
    if form.validate_on_submit():
        try:
            if challenge_round is None:
                rounds.create_round(_round_fields(form), actor=current_user)
                flash(_("Round added."), "ok")
            else:
                rounds.update_round(challenge_round, _round_fields(form), actor=current_user)
                flash(_("Round saved."), "ok")
            return redirect(url_for("challenge_console.round_list"))
        except DomainError as error:
            show_errors(form, error.fields or {})
            if error.code in ROUND_REFUSAL_FIELDS:
                show_errors(form, dict([ROUND_REFUSAL_FIELDS[error.code]]))
            flash(str(error.message), "error")
    return render_template("staff/challenge/round_form.html", form=form, challenge_round=challenge_round), \
        422 if form.is_submitted() else 200


@bp.post("/rounds/<int:round_id>/<any(open,close):action>")
@roles_required(*MODERATORS)
def open_or_close_round(round_id: int, action: str):
    """Open a round now (stories join it at once) or close the open one now."""
    challenge_round = rounds.get_round(round_id)
    if ActionForm().validate_on_submit():
        title = localized(challenge_round.title)
        try:
            if action == "open":
                rounds.open_now(challenge_round, actor=current_user)
                flash(_("\u201c%(title)s\u201d is open: new stories join it.", title=title), "ok")
            else:
                rounds.close_now(challenge_round, actor=current_user)
                flash(_("\u201c%(title)s\u201d is closed: the kiosks take no more stories for it.", title=title),
                      "ok")
        except DomainError as error:
            flash(str(error.message), "error")
    return redirect(url_for("challenge_console.round_list"))


# Displays and kiosks ----------------------------------------------------------------------------

def _spotlight_choices(*selected: int | None) -> list[Story]:
    """Approved stories, newest first, and any story a display has in its spotlight now."""
    latest = list(db.session.scalars(select(Story).where(Story.status == "approved")
                                     .order_by(Story.approved_at.desc(), Story.id.desc()).limit(SPOTLIGHT_CHOICES)))
    missing = set(selected) - {None} - {story.id for story in latest}
    extra = [db.session.get(Story, story_id) for story_id in sorted(missing)]
    return latest + [story for story in extra if story is not None]


def _screens_context() -> dict:
    default_mode, spotlight_id = screens.screen_mode(None)
    displays = screens.list_displays()
    return {"default_mode": default_mode, "spotlight_id": spotlight_id, "displays": displays,
            "kiosks": screens.list_kiosks(),
            "spotlight_stories": _spotlight_choices(spotlight_id, *(d.spotlight_story_id for d in displays))}


@bp.get("/screens")
@roles_required(*MODERATORS)
def screen_list():
    """What the displays show (the default and each display's own), and each kiosk's pause switch."""
    return render_template("staff/challenge/screens.html", **_screens_context())


@bp.get("/fragments/screens")
@roles_required(*MODERATORS)
def screens_fragment():
    """The displays and kiosks, fetched again when staff change one."""
    return render_template("staff/challenge/screens_live.html", **_screens_context())


def _problem(error: DomainError) -> str:
    """What went wrong, for a page that redirects: a validation's field messages, else the refusal."""
    return " ".join(str(message) for message in (error.fields or {}).values()) or str(error.message)


@bp.post("/screens/mode")
@roles_required(*MODERATORS)
def set_display_mode():
    """Switch all displays that follow the default (no display named), or one display by name."""
    form = DisplayModeForm()
    if not form.validate_on_submit():
        flash(_("Choose what the displays show."), "error")
        return redirect(url_for("challenge_console.screen_list"))
    display = form.display.data or None
    try:
        shown = screens.set_mode(form.mode.data or None, display=display, story_id=form.story_id.data,
                                 actor=current_user)[1]
    except DomainError as error:
        flash(_problem(error), "error")
    else:
        if display is None:
            flash(_("The displays that follow the default show: %(mode)s.", mode=MODE_LABELS[shown]), "ok")
        elif form.mode.data:
            flash(_("Display %(name)s shows: %(mode)s.", name=display, mode=MODE_LABELS[shown]), "ok")
        else:
            flash(_("Display %(name)s follows the default again.", name=display), "ok")
    return redirect(url_for("challenge_console.screen_list"))


@bp.post("/screens/kiosks/<int:kiosk_id>/<any(pause,resume):action>")
@roles_required(*MODERATORS)
def pause_kiosk(kiosk_id: int, action: str):
    """Pause one kiosk with a message for the people in front of it, or let it run again."""
    form = KioskPauseForm()
    if form.validate_on_submit():
        try:
            state = screens.set_paused(kiosk_id, action == "pause", message=form.message.data,
                                       actor=current_user)
        except DomainError as error:
            flash(_problem(error), "error")
        else:
            name = state.kiosk.name or state.kiosk.email
            flash(_("Kiosk %(name)s is paused.", name=name) if state.paused
                  else _("Kiosk %(name)s runs again.", name=name), "ok")
    return redirect(url_for("challenge_console.screen_list"))
