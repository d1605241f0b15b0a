# The CLI end to end on a small Russian/English corpus: ingest with a broken line, word forms,
# JSON output, re-ingest no-op, replacement, text and markdown files, filters and exclusions.
source "$(dirname "$0")/lib.sh"
D=$WORK/data
cat > $WORK/kb.jsonl <<'J'
{"id":"vpn","title":"Настройка VPN","text":"Чтобы подключиться к VPN, откройте Cisco AnyConnect и введите адрес vpn.example.ru. При ошибке ERR_CONNECTION_REFUSED проверьте сеть.","kind":"kb","lang":"ru"}
{"id":"pwd","title":"Сброс пароля","text":"Если пароль не подходит, сбросьте его на портале. Учётная запись блокируется после пяти неудачных попыток.","kind":"kb","lang":"ru","acl":["support"]}
{"id":"upd","title":"Windows Update error","text":"Error 0x80070005 means access denied during the update. Run the troubleshooter as administrator.","kind":"faq","lang":"en"}
this line is not json
{"title":"no id","text":"x"}
J
set +e
"$SUFLER" ingest --data "$D" --quiet $WORK/kb.jsonl >$WORK/out 2>$WORK/err; rc=$?
set -e
check "ingest with bad lines exits 1" test $rc = 1
check "bad line named with file and line" grep -q "kb.jsonl:4: malformed JSON" $WORK/err
check "missing id named" grep -q "kb.jsonl:5:" $WORK/err
check "good documents added" grep -q "3 added" $WORK/out

"$SUFLER" search --data "$D" --json "паролем" > $WORK/s1
check "Russian word form finds the document" python3 -c '
import json,sys; r=json.load(open(sys.argv[1])); assert r["hits"][0]["id"]=="pwd", r; assert "took_ms" in r
h=r["hits"][0]; assert set(["id","title","score","snippet"]) <= set(h), h; assert "<b>" in h["snippet"], h' $WORK/s1
"$SUFLER" search --data "$D" --json "80070005" > $WORK/s2
check "part of an error code finds it" python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); assert r["hits"][0]["id"]=="upd", r' $WORK/s2
"$SUFLER" search --data "$D" --json "connection refused" > $WORK/s3
check "parts of an identifier find it" python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); assert r["hits"][0]["id"]=="vpn", r' $WORK/s3
"$SUFLER" search --data "$D" --json "kind:faq error" > $WORK/s4
check "attribute filter" python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); assert [h["id"] for h in r["hits"]]==["upd"], r' $WORK/s4
"$SUFLER" search --data "$D" --json 'сеть -vpn' > $WORK/s5
check "exclusion" python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); assert all(h["id"]!="vpn" for h in r["hits"]), r' $WORK/s5
"$SUFLER" search --data "$D" --json '"неудачных попыток"' > $WORK/s6
check "phrase" python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); assert [h["id"] for h in r["hits"]]==["pwd"], r' $WORK/s6
"$SUFLER" search --data "$D" --json '"попыток неудачных"' > $WORK/s7
check "phrase order matters" python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); assert r["hits"]==[], r' $WORK/s7

"$SUFLER" ingest --data "$D" --quiet $WORK/kb.jsonl >$WORK/out 2>/dev/null || true
check "re-ingest of unchanged documents is a no-op" grep -q "0 added, 0 replaced, 3 unchanged" $WORK/out
sed -i 's/Cisco AnyConnect/OpenConnect/' $WORK/kb.jsonl
"$SUFLER" ingest --data "$D" --quiet $WORK/kb.jsonl >$WORK/out 2>/dev/null || true
check "changed document replaced" grep -q "0 added, 1 replaced, 2 unchanged" $WORK/out
"$SUFLER" search --data "$D" --json "anyconnect" > $WORK/s8
check "old text gone after replacement" python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); assert r["hits"]==[], r' $WORK/s8
"$SUFLER" search --data "$D" --json "openconnect" > $WORK/s9
check "new text found" python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); assert [h["id"] for h in r["hits"]]==["vpn"], r' $WORK/s9

mkdir -p $WORK/docs/sub
# two sections long enough to be chunks of their own (a short one would join the next)
long=$(for i in $(seq 1 15); do printf 'Проверьте кабель, бумагу и очередь заданий. '; done)
printf '# Принтер\n\nЕсли принтер не печатает, перезапустите службу печати. %s\n\n## Драйверы\n\nУстановите драйвер с сайта производителя. %s\n' "$long" "$long" > $WORK/docs/printer.md
printf 'Почта Outlook не синхронизируется: удалите профиль и создайте заново.\n' > $WORK/docs/sub/mail.txt
printf 'Текст \xff\xfe с битыми байтами в середине строки.\n' > $WORK/docs/sub/bad.txt
printf 'GIF89a\x01\x00\x01\x00' > $WORK/docs/image.gif
"$SUFLER" ingest --data "$D" --json $WORK/docs >$WORK/out 2>$WORK/err
check "folder ingested recursively, the GIF skipped" python3 -c '
import json,sys; r=json.load(open(sys.argv[1])); assert r["docs_added"]==3 and r["files_skipped"]==1, r' $WORK/out
check "invalid bytes repaired and reported" grep -q "bad.txt: 2 invalid utf-8 sequences replaced" $WORK/err
"$SUFLER" search --data "$D" --json "драйвер" > $WORK/s10
check "markdown heading kept as the chunk heading" python3 -c '
import json,sys; r=json.load(open(sys.argv[1])); h=r["hits"][0]; assert h["title"]=="Принтер" and h["heading"]=="Драйверы", h' $WORK/s10
"$SUFLER" search --data "$D" "принтер" | grep -q "Принтер" || fail "plain output"
echo "ok: plain output"
set +e; "$SUFLER" search --data "$D" "$(head -c 5000 /dev/zero | tr '\0' a)" >/dev/null 2>$WORK/err; rc=$?; set -e
check "over-long query refused with status 2" test $rc = 2
# Category filters, with a Cyrillic value, case and spacing as people type them.
cat > $WORK/cat.jsonl <<'J'
{"id":"c1","title":"Сбой VPN","text":"Туннель падает каждые пять минут.","category":"Сеть и VPN"}
{"id":"c2","title":"Сбой печати","text":"Туннель в очереди печати? Нет, очередь зависла.","category":"Печать"}
J
"$SUFLER" ingest --data "$D" --quiet $WORK/cat.jsonl > /dev/null
"$SUFLER" search --data "$D" --json 'туннель category:"сеть и  vpn"' > $WORK/s11
check "category filter" python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); assert [h["id"] for h in r["hits"]]==["c1"], r' $WORK/s11
"$SUFLER" search --data "$D" --json 'туннель category:печать' > $WORK/s12
check "category filter, other value" python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); assert [h["id"] for h in r["hits"]]==["c2"], r' $WORK/s12
