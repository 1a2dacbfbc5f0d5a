#!/usr/bin/env bash
# The main job on samples/: build objtrace (release), hash every sample, then run a small case:
# catalogue three objects, four-eyes approve and publish them, submit the sample tips (auto-matched),
# review, rank candidates, confirm, and refer one object with its dossier. Everything goes to a fresh
# store in out/demo/ (git-ignored), kept so the evidence sheet and dossier can be opened afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
bash .ci/install-deps   # libpng-dev, libjpeg-dev, libsqlite3-dev if missing
swift build -c release --product objtrace
ot=.build/release/objtrace
work=out/demo
rm -rf "$work"
mkdir -p "$work"
export OBJTRACE_STORE="$work/case.sqlite"

echo "== objtrace inspect samples (header facts; the corrupt file is reported, the batch goes on)"
$ot inspect samples || true
echo "== objtrace hash samples (PDQ + pHash, upright pixels)"
$ot hash --algo pdq,phash,dhash samples || true

echo "== case work"
OBJTRACE_ANALYST=alice $ot init
A="--analyst alice"; B="--analyst bob"
$ot object add $A --code TAO-2026-001 --title "Soy drink carton" --category packaging \
    --question "Do you know this carton?" samples/objects/grocery_iconic_Alpro-Fresh-Soy-Milk.jpg
$ot object add $A --code TAO-2026-002 --title "Oat drink carton" --category packaging \
    --question "Where is this sold?" samples/objects/grocery_iconic_Oatly-Oat-Milk.jpg
$ot object add $A --code TAO-2026-003 --title "Juice carton" --category packaging \
    --question "Which brand is this?" samples/objects/grocery_iconic_Tropicana-Mandarin-Morning.jpg
for code in TAO-2026-001 TAO-2026-002 TAO-2026-003; do
    $ot object approve $A "$code"
    if $ot object approve $A "$code" 2>/dev/null; then echo "four-eyes NOT enforced"; exit 1; fi
    $ot object approve $B "$code"
    $ot object publish $B "$code"
done
$ot object list

echo "== tips (photos are stripped of metadata, hashed and auto-matched)"
$ot tip submit $A --photo samples/tips/alpro-mirrored-resized.jpg --brand Alpro --country Belgien --text "Seen in a supermarket"
$ot tip submit $A --photo samples/tips/tropicana-rotated.png --brand Tropicana --country "Sverige"
$ot tip submit $A --photo samples/tips/tx_labelme_q0003.jpg --text "unrelated photo"
$ot tip submit $A --object TAO-2026-001 --brand alpro --country BE --text "same carton, no photo"
$ot match samples/tips
$ot queue

echo "== review, candidates, referral"
$ot review $B 1 --decision relevant --reason "photo matches the crop"
$ot review $B 4 --decision relevant --reason "consistent claim"
$ot tip link $B 1 TAO-2026-001
$ot tip link $B 4 TAO-2026-001
$ot candidate list TAO-2026-001
candidate=$($ot candidate list TAO-2026-001 --json | head -1 | sed 's/.*"candidate":\([0-9]*\).*/\1/')
$ot candidate confirm $B "$candidate" --reason "two independent tips, visual match"
$ot object resolve $B TAO-2026-001 --country BE --brand Alpro --reason "confirmed candidate"
$ot refer $B TAO-2026-001 --country BE --out "$work/dossier"
ls "$work/dossier" "$work/dossier/images"
$ot sheet TAO-2026-003 --out "$work/sheet-TAO-2026-003"
$ot audit verify
$ot stats
bash Scripts/check-sheet.sh "$work/dossier/referral.html" "$work/dossier/screenshot.png" || echo "(browser check failed)"
echo "== done: open $work/dossier/referral.html and $work/sheet-TAO-2026-003/index.html"
