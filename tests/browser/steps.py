"""What every browser test does: log in and out as a user, keep a screenshot of a step."""

from pathlib import Path

from tests.factories import PASSWORD

#: Screenshots also go here, outside pytest's folders, for a person to look at after a run.
SHOTS = Path("/tmp/shots")


def shot(page, name, results_dir):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / f"{name}.png", full_page=True)
    page.screenshot(path=results_dir / f"{name}.png", full_page=True)


def log_in(page, base, user):
    page.goto(f"{base}/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def log_out(page):
    page.click(".usermenu button[type=submit]")
