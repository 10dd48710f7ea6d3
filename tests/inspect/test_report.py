"""report.html: self-contained, embeds every image, and a browser displays them."""

from __future__ import annotations

import base64
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

IMAGES = ("fitness.png", "timeline.png", "topology.png", "raster.png", "growth.gif")
CHROMIUM = "/usr/bin/chromium"


class _Imgs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.imgs: list[dict[str, str]] = []
        self.refs: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "img":
            self.imgs.append(a)
        for key in ("src", "href"):
            if key in a and tag in ("script", "link", "iframe", "img"):
                self.refs.append(a[key])


def _parse(path: Path) -> _Imgs:
    p = _Imgs()
    p.feed(path.read_text(encoding="utf-8"))
    return p


def test_report_embeds_every_image(bundle):
    p = _parse(bundle["report.html"])
    by_file = {img["data-file"]: img["src"] for img in p.imgs}
    assert sorted(by_file) == sorted(IMAGES)
    for name, src in by_file.items():
        m = re.fullmatch(r"data:(image/(?:png|gif));base64,(.+)", src, flags=re.S)
        assert m, f"{name} is not embedded as a data URI"
        assert base64.b64decode(m.group(2)) == bundle[name].read_bytes()
    assert all(ref.startswith("data:") for ref in p.refs)  # nothing loaded from elsewhere


def test_report_holds_config_genome_and_summary(bundle, recording):
    text = bundle["report.html"].read_text(encoding="utf-8")
    assert "<script" not in text
    assert "[network]" in text and "max_neurons = 24" in text
    for line in recording.genome_description.splitlines()[:3]:
        assert line.split()[0] in text
    assert "Evaluation in fresh lifetimes" in text
    for f in ("network.graphml", "network.json", "network.nir"):
        assert f'href="{f}"' in text


_PROBE = """
<script>
window.addEventListener("load", function () {
  var rows = [];
  document.querySelectorAll("img").forEach(function (im) {
    var r = im.getBoundingClientRect();
    rows.push([im.getAttribute("data-file"), im.complete ? 1 : 0, im.naturalWidth, im.naturalHeight,
               Math.round(r.width), Math.round(r.height)].join(","));
  });
  var pre = document.createElement("pre");
  pre.id = "devo-probe";
  pre.textContent = rows.join(";");
  document.body.appendChild(pre);
});
</script>
"""


def test_chromium_displays_every_image(bundle, tmp_path):
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium; .ci/run installs it)")
    page = tmp_path / "report_probe.html"
    page.write_text(bundle["report.html"].read_text(encoding="utf-8").replace("</body>", _PROBE + "</body>"))
    profile = tmp_path / "chromium-profile"
    cmd = [
        CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        f"--user-data-dir={profile}", "--window-size=1280,2000", "--virtual-time-budget=10000",
        "--dump-dom", page.as_uri(),
    ]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    m = re.search(r'<pre id="devo-probe">([^<]*)</pre>', out.stdout)
    assert m, f"chromium did not render the page (rc {out.returncode}): {out.stderr[-2000:]}"
    rows = [r.split(",") for r in m.group(1).split(";") if r]
    shown = {r[0]: tuple(int(x) for x in r[1:]) for r in rows}
    assert sorted(shown) == sorted(IMAGES)
    for name, (complete, nw, nh, w, h) in shown.items():
        assert complete == 1 and nw > 0 and nh > 0, f"{name} did not decode"
        assert w > 0 and h > 0, f"{name} has no rendered size"
    shutil.rmtree(profile, ignore_errors=True)
