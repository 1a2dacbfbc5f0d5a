#!/usr/bin/env bash
# Checks an objtrace evidence sheet / referral page in a real headless browser: every <img> must load
# (naturalWidth > 0), and a screenshot is taken for a person to look at.
#
#   Scripts/check-sheet.sh PAGE.html [SCREENSHOT.png]
#
# Exit 0: all images loaded (or no Chromium here: prints "skipped: no chromium").
# Exit 1: at least one image failed to load (their src are listed).
# Exit 2: usage error, or the browser gave no answer.
set -euo pipefail

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
    echo "usage: $0 PAGE.html [SCREENSHOT.png]" >&2
    exit 2
fi
page=$1
[ -f "$page" ] || { echo "no such file: $page" >&2; exit 2; }

browser=""
for candidate in chromium chromium-browser google-chrome; do
    if command -v "$candidate" >/dev/null 2>&1; then browser=$(command -v "$candidate"); break; fi
done
if [ -z "$browser" ]; then
    echo "skipped: no chromium"
    exit 0
fi

dir=$(cd "$(dirname "$page")" && pwd)
name=$(basename "$page")
screenshot=${2:-"$dir/${name%.*}.png"}
case "$screenshot" in /*) ;; *) screenshot="$PWD/$screenshot" ;; esac

# The probe page sits beside the original so the relative image paths resolve the same way; the page
# itself stays script-free.
probe="$dir/.check-sheet-$$.html"
profile=$(mktemp -d)
trap 'rm -rf "$profile" "$probe"' EXIT
{
    cat "$page"
    cat <<'PROBE'
<script>
window.addEventListener('load', function () {
  var imgs = Array.prototype.slice.call(document.images);
  var bad = imgs.filter(function (i) { return !(i.complete && i.naturalWidth > 0); })
                .map(function (i) { return i.getAttribute('src'); });
  var out = document.createElement('pre');
  out.id = 'check-sheet-result';
  out.textContent = 'CHECK-SHEET images=' + imgs.length + ' broken=' + bad.length +
      (bad.length ? ' src=' + bad.join(' ') : '') + ' END';
  document.body.appendChild(out);
});
</script>
PROBE
} > "$probe"

flags=(--headless --disable-gpu --no-sandbox --no-first-run --disable-extensions --hide-scrollbars
       --user-data-dir="$profile" --allow-file-access-from-files --virtual-time-budget=10000)

dom=$("$browser" "${flags[@]}" --dump-dom "file://$probe" 2>/dev/null || true)
result=$(printf '%s' "$dom" | grep -o 'CHECK-SHEET images=[0-9]* broken=[0-9]*[^<]* END' | head -n 1 || true)
if [ -z "$result" ]; then
    echo "error: the browser produced no result for $page" >&2
    exit 2
fi

"$browser" "${flags[@]}" --window-size=1280,2000 --screenshot="$screenshot" "file://$dir/$name" >/dev/null 2>&1 || true
if [ -s "$screenshot" ]; then shot="screenshot $screenshot"; else shot="no screenshot"; fi

images=$(printf '%s' "$result" | sed -E 's/.*images=([0-9]+).*/\1/')
broken=$(printf '%s' "$result" | sed -E 's/.*broken=([0-9]+).*/\1/')
if [ "$broken" != "0" ]; then
    echo "FAIL: $broken of $images images did not load ($(printf '%s' "$result" | sed -E 's/.*src=(.*) END/\1/')); $shot"
    exit 1
fi
echo "ok: $images images loaded; $shot"
