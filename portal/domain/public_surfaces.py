"""The one list of public surfaces: every page, API answer, feed and export anyone can fetch without signing in
that shows something of citizens' cases. Each must show names and phones masked, never an ID number or e-mail
address, and only what the publication rule allows (`tests/test_privacy_surfaces.py` checks each one with a
case whose name, phone, ID number and e-mail address are in its title, description and reply).

A new public route must be added here, or to the test's list of public routes that show no case data.
"""
PUBLIC_SURFACES = {
    # pages
    "public.home": "recently handled cases on the home page",
    "echo.index": "echo wall (回音壁): stories of handled cases",
    "echo.story": "one echo wall story",
    "stats.index": "public statistics",
    "rankings.public_index": "published monthly rankings",
    "rankings.public_month": "one month's ranking",
    "salons.index": "tea salons",
    "salons.detail": "one salon",
    "salons.outcomes": "what became of a salon's suggestions (linked cases)",
    "salons.live": "a salon's live board",
    "public.similar_cases": "similar published cases while a citizen types (submit form)",
    # the public knowledge base: staff-written answers, only approved, public and unexpired versions
    "public_knowledge.index": "common questions (知识库): search and list",
    "public_knowledge.suggest": "common questions suggested while a citizen types a title (submit form)",
    "public_knowledge.article": "one common question and its approved answer",
    # Open311 (GeoReport v2)
    "open311.service_requests": "Open311 request list (JSON and XML)",
    "open311.service_request": "one Open311 request",
    "open311.service_request_updates": "Open311 request updates",
    "open311.token": "Open311 token lookup",
    # the monthly topic (每月一题): counts per month of its category and place, its tasks
    "topics.index": "published monthly topics",
    "topics.topic": "one monthly topic: reported counts, before/after chart, tasks",
    # feeds and exports
    "topics.feed": "monthly topics Atom feed",
    "echo.feed": "echo wall Atom feed",
    "stats.chart_csv": "statistics as CSV",
    "rankings.export_xlsx": "a month's ranking as a spreadsheet",
    "salons.ics": "a salon in a calendar file",
}
