"""Write notebooks/*.ipynb from the cells below, run them, and keep only the outputs that nbval
checks (cells marked ``# NBVAL_CHECK_OUTPUT``): nothing that goes stale or could hold a secret.
Checked cells never read from the API themselves: a slow read shows a progress bar, which would
then be compared too.

    python tools/make_notebooks.py [NAME ...]
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

FOLDER = Path(__file__).resolve().parents[1] / "notebooks"

SANDBOX = """import os

# The built-in sandbox: realistic data, no account needed. With your own account, delete this
# cell and set INSTAPD_ACCESS_TOKEN (or log in: see login.ipynb).
os.environ.setdefault("INSTAPD_SANDBOX", "1")"""

NOTEBOOKS: dict[str, list[tuple[str, str]]] = {
    "quickstart": [
        (
            "md",
            """# instapd quickstart

Instagram business data as typed pandas DataFrames. This notebook runs on instapd's **sandbox**,
a local server that speaks the Instagram Graph API with seeded data, so it needs no account. A
real user sets `INSTAPD_ACCESS_TOKEN` or logs in (see `login.ipynb`) and reads the same tables.""",
        ),
        ("code", SANDBOX),
        (
            "code",
            """import pandas as pd

import instapd

instapd.tables()[["name", "kind", "description"]].head(12)""",
        ),
        ("md", "Every table has typed columns; `instapd.describe` says which, and what they mean."),
        (
            "code",
            """# NBVAL_CHECK_OUTPUT
instapd.describe("Media")[["column", "dtype"]].head(8)""",
        ),
        (
            "md",
            """## The accounts

`pd.read_instagram` is set by `import instapd`. `account="all"` reads every Instagram business
account linked to your Facebook Pages.""",
        ),
        (
            "code",
            """profiles = pd.read_instagram("InstagramBusinessProfile", account="all")""",
        ),
        (
            "code",
            """# NBVAL_CHECK_OUTPUT
profiles[["username", "name", "media_count"]]""",
        ),
        (
            "md",
            """## Media

Ids are strings, timestamps tz-aware UTC, counts `Int64` with `<NA>` where Instagram hides them
(never 0).""",
        ),
        (
            "code",
            """media = pd.read_instagram("Media", account="brewlab.coffee")
media[["timestamp", "media_type", "media_product_type", "like_count", "comments_count"]].head()""",
        ),
        (
            "code",
            """# NBVAL_CHECK_OUTPUT
media[["timestamp", "like_count", "comments_count"]].dtypes""",
        ),
        (
            "code",
            """monthly = (
    media.set_index("timestamp")
    .groupby([pd.Grouper(freq="MS"), "media_product_type"])
    .size()
    .unstack(fill_value=0)
)
monthly.index = monthly.index.strftime("%Y-%m")
monthly.plot(kind="bar", stacked=True, title="Posts and reels per month", ylabel="media");""",
        ),
        (
            "md",
            """## The next step from a frame

The `ig` accessor follows a frame: its comments, replies, carousel children, insights.""",
        ),
        (
            "code",
            """comments = media.head(5).ig.comments()
comments[["media_id", "timestamp", "username", "text", "hidden"]].head()""",
        ),
        (
            "code",
            """# NBVAL_CHECK_OUTPUT
first = media.head(5)
sorted(comments["media_id"].unique()) == sorted(first.loc[first["comments_count"] > 0, "id"])""",
        ),
    ],
    "login": [
        (
            "md",
            """# Logging in

instapd logs in with Facebook Login, as the CData connector does. `instapd.login()` shows a panel
with a link to the Facebook dialog and a box for the address your browser lands on after *Allow*:

- where your browser can reach this kernel's machine (Jupyter on your computer), a listener on
  `CallbackURL` (default `https://localhost:33333/`) catches the browser's return as well, and the
  panel updates itself. Whichever way completes first wins.
- on JupyterHub, Binder, Colab, Kaggle, SageMaker, Codespaces, VS Code Remote, over SSH or with no
  display, nothing listens: the panel says why, and you paste the address (even if that page does
  not load).

`desktop=True` always listens; `web=True` never does.

Then pick the business account to read. The token is stored at `OAuthSettingsLocation` (0600)
and refreshed before it expires. With a real account you need your own Meta app
(`OAuthClientId`, `OAuthClientSecret`): see `docs/meta-app.md`. Here, the sandbox plays
Facebook.""",
        ),
        (
            "code",
            SANDBOX
            + """
import tempfile
from pathlib import Path

import instapd

settings = Path(tempfile.mkdtemp())  # a real user keeps the default token location
connection = instapd.connect(
    OAuthSettingsLocation=str(settings / "desktop.json"),
    CallbackURL="http://localhost:0/",  # the sandbox's login page comes back to any free port
)""",
        ),
        ("md", "## Desktop mode: the listener, and the paste box"),
        (
            "code",
            """panel = instapd.login(connection, desktop=True)  # listen, even on a headless machine
panel""",
        ),
        (
            "md",
            """Click *Log in*, then the link, then *Allow*. To let this notebook run unattended, the
next cell plays that part when nobody has: it follows the link and presses Allow, as you
would.""",
        ),
        (
            "code",
            """import re
import threading

import requests


def play_the_browser(panel, paste=False):
    \"\"\"Follow the panel's link to the login page and press Allow (skipped once logged in).\"\"\"
    if panel.connection.credentials is not None:
        return
    panel.login_button.click()
    for _ in range(100):  # the desktop link appears once the listener is up
        if "href" in panel.link.value:
            break
        threading.Event().wait(0.05)
    url = re.search(r'href="([^"]+)"', panel.link.value)[1].replace("&amp;", "&")
    form = dict(re.findall(r'name="(\\w+)" value="([^"]*)"', requests.get(url, timeout=10).text))
    decided = requests.post(
        url.split("?")[0].replace("dialog/oauth", "dialog/decide").replace("/authorize", "/decide"),
        data={**form, "decision": "allow"},
        allow_redirects=False,
        timeout=10,
    )
    landed = decided.headers["Location"]
    if paste:
        panel.pasted.value = landed
        panel.submit_button.click()
    else:
        requests.get(landed, timeout=10)  # the browser arriving at the listener
    panel.wait(timeout=60)
    panel.accounts.value = panel.accounts.options[-1][1]


play_the_browser(panel)""",
        ),
        (
            "code",
            """# NBVAL_CHECK_OUTPUT
credentials = panel.wait(timeout=60)
print(credentials.user_name, "granted", len(credentials.scopes), "permissions")
print([label for label, _ in panel.accounts.options])""",
        ),
        ("md", "The account picked in the dropdown is the connection's `BusinessAccountId`:"),
        (
            "code",
            """media = connection.read("Media", limit=5)
media[["username", "timestamp", "media_type", "like_count"]]""",
        ),
        (
            "md",
            """## Web mode

On Binder or JupyterHub, the kernel's localhost is not your machine: log in in the new tab, then
paste the address the browser landed on (even if that page does not load).""",
        ),
        (
            "code",
            """web = instapd.connect(OAuthSettingsLocation=str(settings / "web.json"))
web_panel = instapd.login(web, web=True)
web_panel""",
        ),
        ("code", """play_the_browser(web_panel, paste=True)"""),
        (
            "code",
            """# NBVAL_CHECK_OUTPUT
print(
    web_panel.wait(timeout=60).user_name,
    "logged in; the pasted box is empty again:",
    web_panel.pasted.value == "",
)""",
        ),
        (
            "md",
            """From a terminal, `python -m instapd login` prints the link; where a browser can be
opened it opens one and listens, elsewhere it reads the address you paste (`--desktop` and `--web`
force either way). Web applications call CData's procedures:
`connection.call("GetOAuthAuthorizationURL", ...)` then
`connection.call("GetOAuthAccessToken", Verifier=..., ...)`.""",
        ),
        (
            "md",
            """## Instagram Login: no Facebook Page

An Instagram professional account without a Facebook Page logs in with Instagram itself:
`AuthScheme=InstagramLogin`. The API is then `graph.instagram.com`, the dialog Instagram's, the
scopes `instagram_business_*`, and the account is the login: there is no account to pick. The
token kept is the 60-day one; Meta refreshes it only once it is 24 hours old. Pages, hashtags and
business discovery need Facebook Login (`instapd.tables()` has a `schemes` column). Here the
sandbox plays Instagram's host; with a real account, use your app's *Instagram* app id and secret
(see `docs/meta-app.md`).""",
        ),
        (
            "code",
            """instagram = instapd.connect(
    AuthScheme="InstagramLogin",
    OAuthSettingsLocation=str(settings / "instagram.json"),
)
instagram_panel = instapd.login(instagram, web=True)
instagram_panel""",
        ),
        ("code", """play_the_browser(instagram_panel, paste=True)"""),
        (
            "code",
            """# NBVAL_CHECK_OUTPUT
me = instagram_panel.wait(timeout=60)
print(me.user_name, "logged in with", me.scheme, "granted", len(me.scopes), "permissions")
print(instagram.read("Media", limit=3)["username"].unique().tolist())
try:
    instagram.read("Pages")
except instapd.AuthSchemeError as error:
    print(type(error).__name__, "- Pages need Facebook Login")""",
        ),
    ],
    "insights": [
        (
            "md",
            """# Insights

Account trends, the best posts by engagement, reels against posts. Meta's days end at midnight
US-Pacific: `end_time` is that moment in UTC. Values may be revised for 48 hours.""",
        ),
        ("code", SANDBOX),
        (
            "code",
            """import warnings

import pandas as pd

import instapd  # noqa: F401 - sets pd.read_instagram and DataFrame.ig

until = pd.Timestamp.now(tz="UTC").floor("D")
daily = pd.read_instagram("AccountInsights", account="brewlab.coffee",
                          since=until - pd.Timedelta(days=60), until=until)
daily[["end_time", "reach", "follower_count"]].tail()""",
        ),
        (
            "code",
            """# NBVAL_CHECK_OUTPUT
print(len(daily), "days, each once:", daily["end_time"].is_unique)""",
        ),
        ("code", """daily.ig.plot(["reach"], figsize=(9, 3));"""),
        (
            "md",
            """## The best posts

`engagement()` adds `interactions` (likes, comments, saves, shares) and their rate per reach and
per follower. Media posted before the account turned professional have no insights: their cells
are NA, and one warning says so.""",
        ),
        (
            "code",
            """media = pd.read_instagram("Media", account="brewlab.coffee")
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    engaged = media.ig.engagement()
engaged.sort_values("engagement_rate_reach", ascending=False)[
    ["timestamp", "media_product_type", "reach", "interactions", "engagement_rate_reach"]
].head(10)""",
        ),
        ("md", "## Reels against posts"),
        (
            "code",
            """with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    insights = pd.read_instagram("MediaInsights", account="brewlab.coffee")
by_kind = insights.groupby("media_product_type")[["reach", "views", "shares"]].mean().round()
by_kind.plot(kind="bar", title="Average per media", ylabel="accounts / views")
by_kind""",
        ),
        (
            "code",
            """# NBVAL_CHECK_OUTPUT
sorted(insights["media_product_type"].unique())""",
        ),
        ("md", "## Who the followers are"),
        (
            "code",
            """audience = pd.read_instagram("AudienceInsights", account="brewlab.coffee",
                            audience_type="age,gender", metrics=["follower_demographics"])
audience.pivot_table(index="age", columns="gender", values="value", aggfunc="sum")""",
        ),
    ],
    "publishing": [
        (
            "md",
            """# Publishing posts, reels, carousels and stories

`instapd.publish` runs Meta's container lifecycle for you: it checks the post against Instagram's
rules and the account's publishing quota, creates the containers (a carousel's items first), waits
for Meta to process them (with a progress bar for videos), publishes exactly once, and reads the
permalink back. Publishing needs the `instagram_content_publish` permission (see
`docs/meta-app.md`).

The sandbox cannot download anything, so it pretends: `https` URLs on any host work, a path
with `404` is not fetchable, `.png` is not a JPEG. Meta downloads media from public URLs.""",
        ),
        (
            "code",
            SANDBOX
            + """
import tempfile

os.environ["INSTAPD_CACHE_DIR"] = tempfile.mkdtemp()  # a real user keeps the default folder""",
        ),
        (
            "code",
            """import pandas as pd

import instapd

limit = pd.read_instagram("ContentPublishingLimit", account="brewlab.coffee")""",
        ),
        ("md", "Meta allows a number of posts per rolling 24 hours; `publish` checks it first."),
        (
            "code",
            """# NBVAL_CHECK_OUTPUT
limit[["quota_usage", "quota_total", "quota_duration"]]""",
        ),
        (
            "md",
            """## An image

One call, one row back: the media's `id`, the `container_id`, `media_type`, `permalink` and
`status`. Options are Meta's own fields (`alt_text`, `location_id`, `user_tags`,
`collaborators`...).""",
        ),
        (
            "code",
            """image = instapd.publish(
    image_url="https://example.com/photos/latte.jpg",
    caption="Latte art Friday #coffee",
    alt_text="A latte with a fern drawn in the foam",
    account="brewlab.coffee",
)""",
        ),
        (
            "code",
            """# NBVAL_CHECK_OUTPUT
image[["media_type", "status"]]""",
        ),
        (
            "md",
            """## A reel, a carousel, a story

A video becomes a reel; Meta processes it for a while, and `publish` polls its status with
growing waits (`timeout=` bounds them). `children` makes a carousel of 2 to 10 images or videos;
`media_type="STORIES"` makes a story.""",
        ),
        (
            "code",
            """reel = instapd.publish(
    video_url="https://example.com/videos/pour-over.mp4",
    caption="Pour-over, slowly",
    share_to_feed=True,
    account="brewlab.coffee",
)
carousel = instapd.publish(
    children=[
        "https://example.com/photos/beans.jpg",
        {"image_url": "https://example.com/photos/roaster.jpg", "alt_text": "The roaster"},
        "https://example.com/videos/grind.mp4",
    ],
    caption="From bean to cup",
    account="brewlab.coffee",
)
story = instapd.publish(
    image_url="https://example.com/photos/open.jpg", media_type="STORIES", account="brewlab.coffee"
)""",
        ),
        (
            "code",
            """# NBVAL_CHECK_OUTPUT
pd.concat([reel, carousel, story])[["media_type", "status"]]""",
        ),
        (
            "md",
            """## Publish later

`wait=False` only creates the container; `publish_container` waits for it and publishes it.""",
        ),
        (
            "code",
            """later = instapd.publish(
    video_url="https://example.com/videos/tomorrow.mp4", wait=False, account="brewlab.coffee"
)
published = instapd.publish_container(later["container_id"][0], account="brewlab.coffee")""",
        ),
        (
            "code",
            """# NBVAL_CHECK_OUTPUT
later[["media_type", "status"]], published[["media_type", "status"]]""",
        ),
        (
            "md",
            """## When it goes wrong

Broken rules are refused before anything is sent, with the rule named; Meta's refusals come back
as typed errors that say what to fix.""",
        ),
        (
            "code",
            """# NBVAL_CHECK_OUTPUT
for post in [
    {"image_url": "http://example.com/photos/a.jpg"},
    {"image_url": "https://example.com/photos/a.png"},
    {"image_url": "https://example.com/photos/a.jpg", "caption": "#tag " * 31},
    {"children": ["https://example.com/photos/a.jpg"]},
    {"image_path": "latte.jpg"},
]:
    try:
        instapd.publish(account="brewlab.coffee", **post)
    except instapd.PublishRuleError as error:
        print(error.rule)""",
        ),
        (
            "code",
            """try:
    instapd.publish(image_url="https://example.com/404/gone.jpg", account="brewlab.coffee")
except instapd.MediaNotFetchableError as error:
    refused = error""",
        ),
        (
            "code",
            """# NBVAL_CHECK_OUTPUT
print(type(refused).__name__, refused.code)""",
        ),
        (
            "md",
            "The posts are in the account's media, and the cache entries they made stale are gone:",
        ),
        (
            "code",
            """media = pd.read_instagram("Media", account="brewlab.coffee", limit=4)
limit = pd.read_instagram("ContentPublishingLimit", account="brewlab.coffee")""",
        ),
        (
            "code",
            """# NBVAL_CHECK_OUTPUT
media[["media_type", "media_product_type", "caption"]], int(limit["quota_usage"][0])""",
        ),
    ],
    "moderation": [
        (
            "md",
            """# Moderating comments

Find comments that match some words, preview what hiding them would send, hide them, and answer
the questions. Every write returns one row per input row (`id`, `status`, `error`), happens at
most once even when an answer is lost, and drops the cache entries it made stale. Writes need the
`instagram_manage_comments` permission (see `docs/meta-app.md`).""",
        ),
        (
            "code",
            SANDBOX
            + """
import tempfile

os.environ["INSTAPD_CACHE_DIR"] = tempfile.mkdtemp()   # a real user keeps the default folder""",
        ),
        (
            "code",
            """import pandas as pd

import instapd

comments = pd.read_instagram("Comments", account="brewlab.coffee")
len(comments)""",
        ),
        ("md", "## Find\n\nComments that match the words, not hidden yet:"),
        (
            "code",
            """# NBVAL_CHECK_OUTPUT
words = ["first!", "@friend"]
matches = pd.concat(
    [comments["text"].str.lower().str.contains(w, regex=False) for w in words], axis=1
).any(axis=1)
spam = comments[matches & ~comments["hidden"]]
spam["text"].value_counts()""",
        ),
        (
            "md",
            """## Preview

`dry_run=True` checks everything (Instagram's rules, the token's permissions, each comment's
state) and shows what would be sent, sending nothing:""",
        ),
        (
            "code",
            """# NBVAL_CHECK_OUTPUT
preview = spam.ig.hide(dry_run=True)
preview[["method", "body", "status"]].value_counts()""",
        ),
        ("md", "## Hide\n\nThe same call without `dry_run`: 50 writes per batch request."),
        (
            "code",
            """# NBVAL_CHECK_OUTPUT
hidden = spam.ig.hide()
hidden["status"].value_counts()""",
        ),
        ("md", "The next read comes from the API, not the stale cache entry:"),
        (
            "code",
            """# NBVAL_CHECK_OUTPUT
comments = pd.read_instagram("Comments", account="brewlab.coffee")
bool(comments.set_index("id").loc[spam["id"], "hidden"].all())""",
        ),
        (
            "md",
            """## Answer the questions

`.ig.reply` takes one text for all, or a Series aligned with the frame: here an answer per
question, and rows with no answer get no reply.""",
        ),
        (
            "code",
            """# NBVAL_CHECK_OUTPUT
answers = {
    "Where is this?": "Our Lyon roastery, 12 rue des Capucins. Come by!",
    "How much is it?": "This one is 14 euros; the full list is on our site.",
}
recent = comments[comments["media_id"].isin(comments["media_id"].unique()[:20])]
questions = recent[~recent["hidden"]]
replies = questions.ig.reply(questions["text"].map(answers))
replies["status"].value_counts()""",
        ),
        (
            "md",
            """Instagram's rules are checked before anything is sent (at most 300 characters,
4 hashtags and 1 link, not all capitals), each failure typed and saying what to change:""",
        ),
        (
            "code",
            """# NBVAL_CHECK_OUTPUT
try:
    questions.head(1).ig.reply("THANKS!!!", on_error="raise")
except instapd.CommentRuleError as error:
    print(type(error).__name__, "-", error)""",
        ),
    ],
    "caching": [
        (
            "md",
            """# Caching and offline work

Reads go through a Parquet cache keyed by the query: a re-run costs no API call. Entries are
fresh for `CacheMaxAge` seconds (an hour by default); `refresh=True` re-reads, `cache=False`
bypasses, and `INSTAPD_OFFLINE=1` serves the cache whatever its age.""",
        ),
        (
            "code",
            SANDBOX
            + """
import tempfile

os.environ["INSTAPD_CACHE_DIR"] = tempfile.mkdtemp()   # a real user keeps the default folder""",
        ),
        (
            "code",
            """import pandas as pd

import instapd

first = pd.read_instagram("Comments", account="brewlab.coffee")
again = pd.read_instagram("Comments", account="brewlab.coffee")
print(first.attrs["instapd"]["source"], "then", again.attrs["instapd"]["source"])""",
        ),
        (
            "code",
            """# NBVAL_CHECK_OUTPUT
entries = instapd.cache.entries()
entries[["table", "account", "rows"]]""",
        ),
        (
            "md",
            """Each table is a folder of Parquet files: DuckDB, Polars or Spark read it directly,
and so does pandas:""",
        ),
        (
            "code",
            """# NBVAL_CHECK_OUTPUT
from pathlib import Path

folder = Path(entries["path"].iloc[0]).parent
len(pd.read_parquet(folder)) == len(first)""",
        ),
        ("md", "Offline, the cache answers whatever its age, and says clearly what it lacks:"),
        (
            "code",
            """# NBVAL_CHECK_OUTPUT
offline = instapd.connect(Offline=True)
print(len(offline.read("Comments", account="brewlab.coffee")), "comments, no request")
try:
    offline.read("Tags", account="brewlab.coffee")
except instapd.OfflineError as error:
    print(type(error).__name__)""",
        ),
        (
            "code",
            """# NBVAL_CHECK_OUTPUT
instapd.cache.clear()""",
        ),
    ],
    "sql": [
        (
            "md",
            """# SQL

The tables answer SQL, as the CData connector's do: `instapd.sql` returns a typed DataFrame,
`instapd.sql.dbapi` is a DB-API 2.0 module, and the SQLAlchemy dialect `instagram://` serves
`pd.read_sql` and JupySQL's `%sql`. Filters, time ranges, `LIMIT` and the columns used go to the
API; DuckDB does the rest (JOIN, GROUP BY, window functions) over Arrow.""",
        ),
        (
            "code",
            SANDBOX
            + """
os.environ["INSTAPD_BUSINESS_ACCOUNT_ID"] = "17841400000000001"  # @brewlab.coffee""",
        ),
        (
            "code",
            """# DOCS_ALLOW_WARNING: three media predate the business account, so have no insights
import pandas as pd

import instapd

top = instapd.sql(\"\"\"
    SELECT m.id, m.media_type, m.timestamp, i.reach, count(c.id) AS comments
    FROM Media m
    JOIN MediaInsights i ON i.media_id = m.id
    LEFT JOIN Comments c ON c.media_id = m.id
    GROUP BY ALL
    ORDER BY comments DESC
    LIMIT 5
\"\"\")
top""",
        ),
        (
            "code",
            """# NBVAL_CHECK_OUTPUT
top.dtypes""",
        ),
        (
            "md",
            """`explain=True` shows what each table read asks of the API, without reading. Here the
time range and `LIMIT` go down; `like_count > 5` would not (the API cannot filter on it), and
then `LIMIT` stays in DuckDB too.""",
        ),
        (
            "code",
            """# NBVAL_CHECK_OUTPUT
plan = instapd.sql(
    "SELECT id, caption FROM Media WHERE timestamp >= ? LIMIT 10",
    params=["2026-01-01"],
    explain=True,
)
plan[["table", "columns", "pushed_down"]]""",
        ),
        (
            "md",
            """Mistakes are typed errors that point at the place, with close matches:""",
        ),
        (
            "code",
            """# NBVAL_CHECK_OUTPUT
try:
    instapd.sql("SELECT id, captoin FROM Media")
except instapd.SqlUnknownColumnError as error:
    print(error)""",
        ),
        (
            "md",
            """## JupySQL

`%sql instagram://` connects through the SQLAlchemy dialect; the connection's properties come
from the environment, or as query parameters (`instagram://?BusinessAccountId=...`).""",
        ),
        (
            "code",
            """import os

os.environ["PLOOMBER_STATS_ENABLED"] = "false"
%load_ext sql
%config SqlMagic.displaylimit = 10
%sql instagram://""",
        ),
        (
            "code",
            """%%sql
SELECT media_type, count(*) AS media, round(avg(like_count), 1) AS avg_likes
FROM Media
GROUP BY media_type
ORDER BY media DESC""",
        ),
        (
            "md",
            """CData's system tables describe the tables, columns, procedures and connection
properties (secrets masked):""",
        ),
        (
            "code",
            """# NBVAL_CHECK_OUTPUT
tables = %sql SELECT TableName, TableType FROM sys_tables WHERE TableName LIKE 'Media%'
tables.DataFrame()""",
        ),
        (
            "md",
            """## Writes

`INSERT INTO Comments|Replies`, `UPDATE Comments SET hidden`, `UPDATE IGMedia SET
comment_enabled` and `DELETE FROM Comments|Replies|IGMedia` go to `instapd.insert`, `update` and
`delete`. A `WHERE` over other columns is read first to find the ids; `dry_run=True` shows what
would be sent, and sends nothing:""",
        ),
        (
            "code",
            """# NBVAL_CHECK_OUTPUT
instapd.sql(
    "UPDATE Comments SET hidden = true WHERE media_id = ? AND text ILIKE '%how much%'",
    params=["17900000000000001"],
    dry_run=True,
)""",
        ),
        (
            "md",
            """## pandas and DB-API

`pd.read_sql` takes a SQLAlchemy engine; `instapd.sql.dbapi` is a PEP 249 module with `?`
parameters and CData's stored procedures through `callproc`.""",
        ),
        (
            "code",
            """# NBVAL_CHECK_OUTPUT
from sqlalchemy import create_engine

engine = create_engine("instagram://")
pd.read_sql("SELECT media_product_type, count(*) AS n FROM Media GROUP BY 1 ORDER BY 1", engine)""",
        ),
        (
            "code",
            """# NBVAL_CHECK_OUTPUT
from instapd.sql import dbapi

with dbapi.connect("ColumnNames=CData") as connection:
    cursor = connection.cursor()
    cursor.execute("SELECT Id, Created, LikesCount FROM Media ORDER BY Created LIMIT ?", [3])
    print([column[0] for column in cursor.description])
    print(len(cursor.fetchall()), "rows")""",
        ),
    ],
    "history": [
        (
            "md",
            """# History: keep what Instagram forgets

Stories vanish after 24 hours, and their insights with them; lifetime metrics show only today's
value. `instapd.snapshot()` reads Stories, StoryInsights, Media, MediaInsights, the last two days
of AccountInsights and the profiles of every account, and appends them to a Parquet dataset;
`instapd.history()` reads every snapshot back. Schedule `python -m instapd snapshot` with cron or
a systemd timer (see the README).

Here the sandbox stands in for Instagram, with a clock we can move forward.""",
        ),
        (
            "code",
            """import os
import tempfile
import warnings

import instapd
from instapd.sandbox import Sandbox

os.environ["INSTAPD_SNAPSHOT_DIR"] = tempfile.mkdtemp()  # a real user keeps the default folder
warnings.simplefilter("ignore", UserWarning)  # a few seeded posts refuse some insights

sandbox = Sandbox(accounts=3, media_per_account=(8,)).start()
connection = instapd.connect(GraphURL=sandbox.url, OAuthAccessToken=sandbox.token, Cache=False)
post = sandbox.publish(sandbox.account_ids[0], "Our new single origin is here")""",
        ),
        (
            "md",
            """## Snapshots a day and a half apart

Each snapshot is stamped with `snapshot_at` (here the sandbox's time). Between the first and the
last, the sandbox's clock moves 30 hours: every story expires, and the new posts gather reach.
In between, MediaInsights alone is snapshotted every few hours, as a timer would.""",
        ),
        (
            "code",
            """first = instapd.snapshot(connection=connection, at=sandbox.now)
sandbox.advance(hours=6)
later = sandbox.publish(sandbox.account_ids[1], "Behind the scenes at the roastery")
for hours in (0, 6, 12):
    sandbox.advance(hours=hours)
    instapd.snapshot(["MediaInsights"], connection=connection, at=sandbox.now)
sandbox.advance(hours=6)
last = instapd.snapshot(connection=connection, at=sandbox.now)
live_stories = connection.read("Stories", account="all")
first.groupby("table")["rows"].sum()""",
        ),
        (
            "md",
            "Instagram has forgotten the stories; the snapshots have not.",
        ),
        (
            "code",
            """# NBVAL_CHECK_OUTPUT
stories = instapd.history("Stories")
print(len(live_stories), "stories on Instagram now;", stories["id"].nunique(), "kept")""",
        ),
        (
            "md",
            """## Growth

`history` frames are typed as `read_instagram`'s, plus `snapshot_at`. `.ig.growth` puts each
post's metric against the hours since it was posted.""",
        ),
        (
            "code",
            """import pandas as pd

insights = instapd.history("MediaInsights")
recent = insights[insights["timestamp"] > sandbox.now - pd.Timedelta(days=3)]
growth = recent.ig.growth("reach")  # one column per post; NA where no snapshot fell
axes = None
for media_id, reach in growth.items():
    axes = reach.dropna().plot(ax=axes, marker="o", label=media_id, legend=True)
axes.set(title="Reach by hours since posting", ylabel="reach");""",
        ),
        (
            "code",
            """# NBVAL_CHECK_OUTPUT
reach = growth[post].dropna()
print([int(h) for h in reach.index], "hours, growing:", reach.is_monotonic_increasing)""",
        ),
        (
            "md",
            """## The dataset in place

The dataset is Hive-partitioned Parquet
(`table=<Table>/account=<id>/date=<YYYY-MM-DD>/<run>.parquet`), so DuckDB, Polars and Spark read
it where it lies, no export needed.""",
        ),
        (
            "code",
            """# NBVAL_CHECK_OUTPUT
import duckdb

folder = os.environ["INSTAPD_SNAPSHOT_DIR"]
duckdb.sql(f\"\"\"
    SELECT date_diff('hour', min(snapshot_at) OVER (), snapshot_at) AS hours, reach, views
    FROM read_parquet('{folder}/**/*.parquet', hive_partitioning = true, union_by_name = true)
    WHERE "table" = 'MediaInsights' AND media_id = '{post}'
    ORDER BY snapshot_at
\"\"\").df()""",
        ),
        (
            "md",
            """Polars reads it lazily. It takes its columns from the first file it opens, so pass
the union of every file's columns (`schema=`) and let older files without a new metric read as
null (`missing_columns="insert"`); `hive_schema=` keeps ids as text.""",
        ),
        (
            "code",
            """# NBVAL_CHECK_OUTPUT
from pathlib import Path

import polars as pl

files = sorted(Path(folder, "table=MediaInsights").rglob("*.parquet"))
union = {}
for file in files:
    union.update(pl.read_parquet_schema(file))
insights = pl.scan_parquet(
    f"{folder}/table=MediaInsights/**/*.parquet",
    hive_partitioning=True,
    hive_schema={"table": pl.String, "account": pl.String, "date": pl.Date},
    schema=union,
    missing_columns="insert",
)
since = pl.col("snapshot_at") - pl.col("snapshot_at").min()
insights.filter(pl.col("media_id") == post).sort("snapshot_at").select(
    hours=since.dt.total_hours(), reach="reach", views="views"
).collect()""",
        ),
        (
            "code",
            """sandbox.stop()""",
        ),
    ],
}


def build(name: str, cells: list[tuple[str, str]]) -> nbformat.NotebookNode:
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                       "language": "python"}  # fmt: skip
    for kind, source in cells:
        make = nbformat.v4.new_markdown_cell if kind == "md" else nbformat.v4.new_code_cell
        cell = make(source)
        if "# DOCS_ALLOW_WARNING" in source:  # a warning users should see; the docs build keeps out
            cell.metadata["tags"] = ["remove-stderr"]
        notebook.cells.append(cell)
    return notebook


def main(names: list[str]) -> None:
    """Write the named notebooks (all of them when none are named)."""
    for name, cells in NOTEBOOKS.items():
        if names and name not in names:
            continue
        notebook = build(name, cells)
        NotebookClient(notebook, timeout=300, kernel_name="python3",
                       resources={"metadata": {"path": str(FOLDER)}}).execute()  # fmt: skip
        for cell in notebook.cells:
            if cell.cell_type == "code" and "NBVAL_CHECK_OUTPUT" not in cell.source:
                cell.outputs = []  # nbval compares only the checked cells' outputs
                cell.execution_count = None
        path = FOLDER / f"{name}.ipynb"
        nbformat.write(notebook, path)
        # the cells as ruff formats them, so `ruff format --check` in CI holds for notebooks too
        subprocess.run([sys.executable, "-m", "ruff", "format", "-q", str(path)], check=True)
        print("wrote", name)


if __name__ == "__main__":
    main(sys.argv[1:])
