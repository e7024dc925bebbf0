"""`/brandgate report [BRAND]`: the brand's report, privately, with its chart.

The numbers answer through the command's response_url (ephemeral: only the asker sees them);
the chart, an image, cannot be ephemeral, so it is uploaded (`files_upload_v2`, scope
`files:write`) into the asker's direct message with the app, which only they read. A submitter
asking gets their own numbers and no chart (the chart shows the whole brand). Everything here
runs in the lazy listener: the queries and matplotlib take longer than an ack may.
"""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError

from bot.reports.access import Audience
from bot.slack import messages
from bot.slack.backend import BackendError
from bot.slack.listeners.commands.brandgate.registry import Invocation, Subcommand
from bot.slack.reporting import BrandReport, ReportDesk, answer_blocks
from bot.slack.services import services_of

logger = logging.getLogger("brandgate.slack.report")

#: charts uploaded per request (each is a Tier 4 upload and a file in the DM)
MAX_CHARTS = 3


def run_report(inv: Invocation) -> None:
    brand = inv.args.split()[0].lower() if inv.args.split() else None
    try:
        desk = ReportDesk.of(services_of(inv.context).backend)
        found = desk.reports(inv.user, brand)
    except BackendError as err:
        inv.respond(response_type="ephemeral", **messages.refusal(str(err)))
        return
    charted = [item for item in found if item.audience is Audience.WHOLE][:MAX_CHARTS]
    sent = sum(_upload_chart(inv, desk, item) for item in charted)
    note = None
    if charted:
        note = (
            "The chart is in your direct messages with brandgate."
            if sent == len(charted)
            else "The chart could not be posted; `brandgate report --chart` draws it too."
        )
    inv.respond(response_type="ephemeral", **answer_blocks(found, chart_note=note))


def _upload_chart(inv: Invocation, desk: ReportDesk, item: BrandReport) -> bool:
    from bot.reports.chart import render_chart  # matplotlib: only when a chart is drawn

    report = item.report
    png = render_chart(desk.weekly(item.guidelines, report), "png")
    try:
        inv.client.files_upload_v2(
            channels=[inv.user],
            file=png,
            filename=f"brandgate-report-{report.brand}-{report.since}.png",
            title=f"{report.brand}: {report.since} to {report.until}",
            alt_txt=(
                f"First-pass approval rate and turnaround per week, and findings per rule with "
                f"their precision, for {report.brand} from {report.since} to {report.until}"
            ),
        )
    except SlackApiError as err:
        logger.warning("chart upload failed: %s", err.response.get("error"))
        return False
    return True


REPORT = Subcommand(
    name="report",
    usage="report [BRAND]",
    summary="the brand's report (privately) with its chart; without BRAND, your brands",
    run=run_report,
    ack_text=":bar_chart: Preparing the report…",
)
