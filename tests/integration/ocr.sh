# OCR of rendered Russian scans: text set in DejaVu Sans at 300 dpi, turned by up to 5 degrees,
# with noise; as a PNG and as a scanned PDF (an image-only page). The character error rate
# against the source text must stay at or under 3 %.
source "$(dirname "$0")/lib.sh"
S=$WORK/scan
mkdir -p $S
python3 tests/tools/scans.py $S
n=0
for img in $S/*.png $S/*.pdf; do
  base=${img%.*}; ext=${img##*.}
  "$SUFLER" extract --json "$img" > $base.$ext.json || fail "extract failed on $img"
  cer=$(python3 tests/tools/cer.py $base.$ext.json $base.txt)
  echo "$(basename $img): CER $cer"
  check "CER of $(basename $img) <= 0.03" python3 -c "import sys; sys.exit(0 if $cer <= 0.03 else 1)"
  n=$((n + 1))
done
check "scans rendered and read" test $n -ge 3
check "OCR confidence is kept" python3 -c '
import json,sys; d=json.load(open(sys.argv[1]))["documents"][0]; assert d["ocr_pages"]==1 and d["ocr_confidence"]>60, d' $S/scan0.png.json
check "a scanned PDF page keeps its page number" python3 -c '
import json,sys; d=json.load(open(sys.argv[1]))["documents"][0]; assert d["pages"]==1 and d["chunks"][0]["page_first"]==1, d' $S/scan2.pdf.json
