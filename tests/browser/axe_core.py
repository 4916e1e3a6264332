"""axe-core for the browser test: the npm registry's tarball of one pinned
version, checked against its published sha512 integrity, unpacked once into
a cache (by default the build directory's axe/), injected into the page
with WebDriver's execute_script (which Chromium runs outside the page's
Content-Security-Policy: the page itself allows no inline script).

  /usr/bin/python3 tests/browser/axe_core.py [CACHE_DIR]   # fetch, once

scripts/install-deps.sh fetches it into DEFAULT_CACHE (the tests use no
network: they only read it). The environment variable PASSERELLE_AXE_JS may
name an axe.min.js already on disk instead."""

import base64
import hashlib
import io
import json
import os
import sys
import tarfile
import urllib.error
import urllib.request

VERSION = "4.10.3"
URL = "https://registry.npmjs.org/axe-core/-/axe-core-%s.tgz" % VERSION
# The registry's dist.integrity of axe-core 4.10.3 (npm view axe-core@4.10.3 dist.integrity).
INTEGRITY = ("sha512-Xm7bpRXnDSX2YE2YFfBk2FnF0ep6tmG7xPh8iHee8MIcrgq762Nkce856dYtJYLkuIoYZvGfTs"
             "/PbZhideTcEg==")


# Where install-deps.sh puts it: the user's cache.
DEFAULT_CACHE = os.path.join(
    os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"),
    "passerelle", "axe")


class Unreachable(Exception):
    """The npm registry could not be reached (no network)."""


def ensure(cache_dir, download=True):
    """The path of axe.min.js, downloaded into cache_dir if not there yet
    (and `download`). Raises Unreachable when the registry cannot be reached
    (or, not downloading, when it is not there), and AssertionError when
    what it sent is not the pinned file."""
    given = os.environ.get("PASSERELLE_AXE_JS")
    if given:
        if not os.path.isfile(given):
            raise AssertionError("PASSERELLE_AXE_JS=%s: no such file" % given)
        return given
    path = os.path.join(cache_dir, "axe-core-%s" % VERSION, "axe.min.js")
    if os.path.isfile(path) and os.path.getsize(path) > 0:
        return path
    if not download:
        raise Unreachable("%s is missing: run scripts/install-deps.sh, which "
                          "fetches axe-core %s" % (path, VERSION))
    try:
        with urllib.request.urlopen(URL, timeout=60) as res:
            data = res.read()
    except (urllib.error.URLError, OSError) as e:
        raise Unreachable("cannot download %s: %s" % (URL, e)) from e
    digest = "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()
    if digest != INTEGRITY:
        raise AssertionError("%s: integrity %s, expected %s" % (URL, digest, INTEGRITY))
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        member = tar.extractfile("package/axe.min.js")
        if member is None:
            raise AssertionError("%s has no package/axe.min.js" % URL)
        script = member.read()
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = path + ".part"
    with open(tmp, "wb") as f:
        f.write(script)
    os.replace(tmp, path)
    return path


def run(driver, script_path, context=None):
    """Runs axe on the current page (WCAG 2.x A/AA and best practices);
    returns its violations, each with its impact and the nodes."""
    loaded = driver.execute_script("return typeof window.axe !== 'undefined'")
    if not loaded:
        with open(script_path, encoding="utf-8") as f:
            driver.execute_script(f.read())
    result = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(arguments[0] || document, {resultTypes: ['violations'],"
        "  runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']}})"
        ".then(r => done(JSON.stringify(r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
        "  nodes: v.nodes.map(n => ({target: n.target.join(' '), summary: n.failureSummary, html: n.html.slice(0, 160)}))})))))"
        ".catch(e => done(JSON.stringify({error: String(e)})));", context)
    parsed = json.loads(result)
    if isinstance(parsed, dict) and "error" in parsed:
        raise AssertionError("axe.run failed: %s" % parsed["error"])
    return parsed


def describe(violations):
    lines = []
    for v in violations:
        lines.append("  [%s] %s: %s (%d)" % (v["impact"], v["id"], v["help"], len(v["nodes"])))
        for n in v["nodes"][:5]:
            lines.append("      %s — %s" % (n["target"], (n["summary"] or "").replace("\n", " ")[:300]))
    return "\n".join(lines) if lines else "  none"


if __name__ == "__main__":
    print(ensure(sys.argv[1] if len(sys.argv) > 1 else DEFAULT_CACHE))
