#!/usr/bin/env python3
"""A stand-in for a Pyrus API v4 server (and a Pyrus bot-webhook sender), for testing sufler's
Pyrus connector without a real Pyrus. Standard library only; every line written for sufler.

  pyrus_standin.py [--port 0] [--tickets 2000] [--forms 2] [--seed 7] [--state FILE] ...
      serves the API on 127.0.0.1, prints one line "listening on http://127.0.0.1:PORT"
  pyrus_standin.py send-webhooks --url URL --secret S (--from STANDIN_URL | --state FILE) ...
      delivers signed bot events (X-Pyrus-Sig) to a webhook receiver, like Pyrus does

What it implements (docs: /work/shared/docs/PYRUS.md, and tests/standins/README.md):
  POST {/api,}/v4/auth, GET /forms, /forms/{id}, GET|POST /forms/{id}/register,
  GET /catalogs/{id}, GET /tasks/{id}, POST /tasks/{id}/comments, files
  (GET /files/services/attachment?Id=N and GET /api/v4/files/download/{N}), a per-user rate limit,
  token expiry, fault injection and test-only control endpoints under /_control/.
  Every /api/v4 path is also answered under /v4 (older instances).

Choices where PYRUS.md says "unverified" or says nothing (each is the stand-in's reading):
  - Register: returns tasks WITHOUT comments. Closed tasks count as archived: without
    include_archived=y (or true/1/yes) the register leaves them out (--register-closed include
    makes it return them always). modified_after / created_after / closed_after are inclusive
    (>=), *_before are exclusive (<). item_count defaults to 20000, larger values are cut to
    20000. sort=tsk orders by id ascending; without sort the order is id DESCENDING (so a client
    that pages without sort=tsk notices). Filter dates must be exactly YYYY-MM-DDThh:mm:ssZ,
    anything else is 400 invalid_filter.
  - Comments without `channel` are internal notes. Every generated internal note with text
    carries the marker "ВНУТР" (Russian) or "INTERNAL" (English). Comments that only change a
    field or only finish a task have no `text` key at all.
  - Task fields do NOT carry `code` (the form definition does, in info.code); a field without a
    value has no `value` key. Nested title fields carry `parent_id`. A table's nested columns
    are in the form as info.columns (as the official clients read it), a title's in info.fields.
  - task.attachments holds only the files attached when the task was created; files attached
    to comments are listed only on those comments.
  - Wrong credentials: 401 invalid_credentials (--auth-fail-status 400 switches to 400).
  - Rate limit: PYRUS.md says per user: one sliding window per login (--rate-scope token makes
    it one per token). Requests answered 401 or 429 do not count.
  - POST comments: the author is the bot account (type "bot"); `formatted_text` also fills
    `text` with the tags stripped; edit_comment_id may only edit the bot's own comments
    (403 access_denied otherwise, 404 comment_not_found for an unknown id); a body with none of
    text / formatted_text / field_updates / action is 400 empty_comment.
  - Bot events: user_id is the bot's id; X-Pyrus-Retry is "k/3".
  - Injected faults (POST /_control/faults) hit every non-control call, auth and files included;
    an injected 502 has an HTML body (as a proxy would send), 500/503 the JSON error shape.
Control endpoints, field ids and the generated world: tests/standins/README.md.
Dates in the generated world lie in the 90 days before --anchor (default: today 00:00 UTC), so a
seed gives the same world all day long; mutations use the real current time.
"""
import argparse
import calendar
import hashlib
import hmac
import json
import os
import random
import re
import secrets
import signal
import socket
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DATE_FMT = "%Y-%m-%dT%H:%M:%SZ"
FIRST_TASK_ID = 10000001
FIRST_COMMENT_ID = 50000001
FIRST_FILE_ID = 3000001
BOT_ID = 1000001
AUTOBOT_ID = 1000002
MAX_ITEM_COUNT = 20000
MAX_BODY = 16 * 1024 * 1024


def iso(ts):
    return time.strftime(DATE_FMT, time.gmtime(int(ts)))


def parse_iso(s):
    return calendar.timegm(time.strptime(s, DATE_FMT))


def jdump(obj):
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


# ---------------------------------------------------------------------------------------------
# Content of the generated world
# ---------------------------------------------------------------------------------------------

RU_FIRST_M = ["Алексей", "Дмитрий", "Сергей", "Андрей", "Михаил", "Игорь", "Павел", "Николай", "Олег",
              "Виктор", "Роман", "Артём", "Евгений", "Константин", "Владимир", "Григорий", "Юрий"]
RU_FIRST_F = ["Анна", "Елена", "Ольга", "Наталья", "Ирина", "Татьяна", "Марина", "Светлана", "Юлия",
              "Екатерина", "Мария", "Дарья", "Ксения", "Людмила", "Вера", "Полина"]
RU_LAST = ["Иванов", "Смирнов", "Кузнецов", "Попов", "Васильев", "Петров", "Соколов", "Михайлов",
           "Новиков", "Фёдоров", "Морозов", "Волков", "Алексеев", "Лебедев", "Семёнов", "Егоров",
           "Павлов", "Козлов", "Степанов", "Николаев", "Орлов", "Андреев", "Макаров", "Никитин",
           "Захаров", "Зайцев", "Соловьёв", "Борисов", "Яковлев", "Григорьев", "Романов", "Воробьёв"]
EN_FIRST = ["John", "Emily", "Michael", "Sarah", "David", "Laura", "James", "Anna", "Robert", "Linda",
            "Thomas", "Kate", "Daniel", "Sophie", "Mark", "Julia", "Peter", "Claire"]
EN_LAST = ["Smith", "Johnson", "Brown", "Taylor", "Miller", "Wilson", "Moore", "Clark", "Walker",
           "Hall", "Young", "King", "Wright", "Green", "Baker", "Hill", "Turner", "Parker"]
DOMAINS_IT = ["corp.example.ru"]
DOMAINS_CLIENT = ["romashka.ru", "stroymontazh.ru", "vektor-plus.ru", "agro-sever.ru", "mail.ru",
                  "yandex.ru", "tehnoservis.com", "example.com", "northwind.example.org"]
DEPTS = ["бухгалтерия", "отдел продаж", "склад", "отдел кадров", "юридический отдел", "логистика",
         "маркетинг", "производство"]
AGENTS = [("Иван", "Петров"), ("Мария", "Соколова"), ("Артём", "Белов"), ("Ольга", "Крылова"),
          ("Денис", "Орлов"), ("Светлана", "Гусева"), ("Кирилл", "Фомин"), ("Наталья", "Ершова")]

TRANSLIT = dict(zip("абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
                    ["a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "y", "k", "l", "m", "n", "o",
                     "p", "r", "s", "t", "u", "f", "kh", "ts", "ch", "sh", "shch", "", "y", "", "e",
                     "yu", "ya"]))


def translit(s):
    return "".join(TRANSLIT.get(ch, ch) for ch in s.lower())


FILL = {
    "vpnclient": ["Cisco AnyConnect", "FortiClient", "OpenVPN Connect", "Континент-АП"],
    "vpn_err": ["The VPN connection was terminated by the remote peer", "Ошибка 809",
                "Ошибка 720: не удалось подключиться", "Сертификат недействителен или просрочен"],
    "city": ["Казани", "Новосибирске", "Екатеринбурге", "Самаре", "Краснодаре", "Перми"],
    "host": ["vpn-gw01", "srv-1c-02", "fs01", "mail01", "print-srv", "dc02", "web-lk03"],
    "code": ["0x80070005", "0x80004005", "0x8007232B", "0x00000709", "0x80070035", "ERR-1042",
             "ERR-2210", "E-503"],
    "printer": ["HP LaserJet M428", "Kyocera ECOSYS M2040dn", "Canon i-SENSYS MF443dw", "Xerox B215",
                "Brother HL-L2300"],
    "onec_err": ["Не удалось подключиться к серверу 1С:Предприятия srv-1c-02",
                 "Не обнаружена лицензия для использования программы",
                 "Ошибка СУБД: Ошибка SDBL",
                 "Превышено максимально допустимое количество пользователей"],
    "share": ["\\\\fs01\\buh", "\\\\fs01\\Обмен\\Отдел продаж", "\\\\fs01\\Кадры", "\\\\fs02\\Проекты"],
    "month": ["январь", "февраль", "март", "апрель", "май", "июнь", "июль", "август", "сентябрь",
              "октябрь", "ноябрь", "декабрь"],
    "month_en": ["January", "February", "March", "April", "May", "June", "July", "August",
                 "September", "October", "November", "December"],
    "quarter": ["I", "II", "III", "IV"],
    "acc_code": ["0x80070005", "0x80070005", "0x80004005"],
    "err": ["ERR-1042", "ERR-1042", "ERR-1137", "ERR-2210", "ERR-3005"],
    "api_code": ["401 Unauthorized", "429 Too Many Requests", "500 Internal Server Error",
                 "403 Forbidden"],
    "mailclient": ["Outlook", "Thunderbird", "почта на телефоне"],
}

# Each topic: forms kind ("it" odd form ids, "client" even), category index in the kind's catalog,
# product name, and texts per language.
TOPICS = {
    "it": [
        dict(key="vpn", cat=0, product="VPN",
             subj={"ru": ["Не подключается VPN", "VPN: ошибка «{vpn_err}»", "Обрывается соединение VPN",
                          "Не работает VPN после смены пароля"],
                   "en": ["VPN not connecting", "VPN keeps disconnecting", "VPN error after password change"]},
             prob={"ru": ["С утра не могу подключиться к VPN из дома. {vpnclient} выдаёт ошибку «{vpn_err}». Вчера вечером всё работало, ничего не менял.",
                          "VPN подключается, но примерно через {n} минут соединение обрывается, и файлы на сетевых дисках зависают. Домашний интернет стабильный, проверял.",
                          "После смены пароля перестал подключаться VPN: {vpnclient} пишет, что учётные данные неверны, хотя в почту с новым паролем захожу нормально.",
                          "Я в командировке в {city}, VPN не подключается ни через гостиничный Wi-Fi, ни через мобильный интернет. Ошибка «{vpn_err}»."],
                   "en": ["Since this morning I cannot connect to the VPN from home. {vpnclient} shows \"{vpn_err}\". It worked fine yesterday.",
                          "The VPN drops every {n} minutes or so and I have to reconnect each time. My home internet is stable.",
                          "After my password change {vpnclient} says my credentials are invalid, although webmail accepts the new password."]},
             note={"ru": ["ВНУТР: проверил логи шлюза {host}, у пользователя истёк клиентский сертификат.",
                          "проверил логи на {host}: отказ по MFA, токен привязан к старому телефону. ВНУТР, заявителю не пересылать.",
                          "ВНУТР: у пользователя старая версия {vpnclient}, с новым шлюзом она несовместима."],
                   "en": ["INTERNAL: gateway {host} logs show an expired client certificate for this user."]},
             reply={"ru": ["Здравствуйте! Мы перевыпустили ваш сертификат для VPN. Удалите старый профиль в {vpnclient}, импортируйте новый из письма и подключитесь заново.",
                           "Добрый день! Причина в устаревшей версии {vpnclient}. Установите новую версию из Центра программ, перезагрузите компьютер и подключитесь снова.",
                           "Здравствуйте! Мы сбросили привязку второго фактора. При следующем подключении отсканируйте QR-код заново с нового телефона."],
                    "en": ["Hello! We have reissued your VPN certificate. Remove the old profile from {vpnclient}, import the new one from the e-mail and connect again.",
                           "Hi! Your {vpnclient} version is outdated. Please install the current one from the Software Center, restart and try again."]},
             resolution={"ru": ["Перевыпущен сертификат VPN, профиль переустановлен.", "Обновлён клиент VPN.", "Сброшена привязка MFA."],
                         "en": ["VPN certificate reissued, profile reinstalled.", "VPN client updated."]}),
        dict(key="password", cat=1, product="Рабочее место",
             subj={"ru": ["Сброс пароля", "Учётная запись заблокирована", "Не могу войти в Windows"],
                   "en": ["Password reset", "Account locked out"]},
             prob={"ru": ["Забыл пароль от учётной записи, после трёх попыток вход заблокирован. Логин {login}.",
                          "При входе в Windows пишет «Учётная запись заблокирована». Пароль меняла в понедельник, на телефоне почта тоже перестала работать.",
                          "Истёк срок действия пароля, а сменить его из дома не получается: выдаёт ошибку {code}."],
                   "en": ["I forgot my password and my account {login} is locked after several attempts.",
                          "Windows says my account is locked. I changed my password on Monday and my phone mail stopped working too."]},
             note={"ru": ["ВНУТР: блокировку вызывает старый пароль в почте на телефоне, на {host} видно попытки каждые 5 минут.",
                          "ВНУТР: личность подтвердил звонком руководителю, можно сбрасывать."],
                   "en": ["INTERNAL: lockouts come from an old password stored on the phone, visible on {host}."]},
             reply={"ru": ["Здравствуйте! Пароль сброшен, временный пароль отправили вам SMS. При входе система попросит задать новый. Не забудьте обновить пароль в почте на телефоне, иначе учётную запись снова заблокирует.",
                           "Добрый день! Учётную запись разблокировали. Причина блокировки: старый пароль, сохранённый в почтовом приложении на телефоне. Удалите там учётную запись и добавьте заново."],
                    "en": ["Hello! Your password has been reset, the temporary one was sent by SMS. Please also update the password in the mail app on your phone, otherwise the account gets locked again."]},
             resolution={"ru": ["Пароль сброшен, учётная запись разблокирована.", "Удалён старый пароль с телефона, блокировки прекратились."],
                         "en": ["Password reset, account unlocked."]}),
        dict(key="printer", cat=3, product="Принтер",
             subj={"ru": ["Не печатает принтер {printer}", "Ошибка {code} при подключении принтера", "Принтер печатает пустые листы"],
                   "en": ["Printer {printer} not printing", "Cannot add network printer"]},
             prob={"ru": ["Принтер {printer} в кабинете {n} перестал печатать: документы уходят в очередь и висят там со статусом «Ошибка».",
                          "При подключении сетевого принтера {printer} Windows выдаёт ошибку {code}. У коллег по соседству всё печатает.",
                          "{printer} печатает пустые листы или с бледными полосами, картридж меняли неделю назад."],
                   "en": ["The {printer} in room {n} stopped printing, jobs get stuck in the queue with status \"Error\".",
                          "Adding the network printer {printer} fails with error {code}."]},
             note={"ru": ["ВНУТР: на {host} зависла служба печати, перезапустил spooler.",
                          "ВНУТР: драйвер на {host} обновился автоматически, откатил на прежнюю версию."],
                   "en": ["INTERNAL: print spooler on {host} was hung, restarted it."]},
             reply={"ru": ["Здравствуйте! Мы перезапустили службу печати на сервере и очистили очередь. Отправьте документ на печать ещё раз.",
                           "Добрый день! Переустановили драйвер принтера {printer} на вашем компьютере удалённо. Ошибка {code} больше не должна появляться.",
                           "Здравствуйте! Картридж оказался бракованным, инженер заменит его сегодня до конца дня."],
                    "en": ["Hello! We restarted the print service and cleared the queue. Please send your document again.",
                           "Hi! We reinstalled the {printer} driver remotely, error {code} should be gone."]},
             resolution={"ru": ["Перезапущена служба печати.", "Переустановлен драйвер принтера.", "Заменён картридж."],
                         "en": ["Print spooler restarted.", "Printer driver reinstalled."]}),
        dict(key="1c", cat=5, product="1С:Предприятие",
             subj={"ru": ["Не запускается 1С", "1С: «{onec_err}»", "Медленно работает 1С"],
                   "en": ["1C does not start", "1C is very slow"]},
             prob={"ru": ["При запуске 1С:Бухгалтерии появляется сообщение «{onec_err}». Закрыть квартал не можем, сроки горят.",
                          "1С работает очень медленно: проведение документа занимает {n} секунд, раньше было мгновенно.",
                          "После обновления конфигурации 1С не открывается база «Торговля», ошибка «{onec_err}»."],
                   "en": ["When I start 1C I get \"{onec_err}\". We need to close the quarter.",
                          "1C has become very slow, posting a document takes {n} seconds."]},
             note={"ru": ["ВНУТР: на {host} закончились лицензии, двое висят в сеансах со вчера, отключил их.",
                          "проверил логи сервера {host} — блокировки на таблице регистра, ВНУТР: нужен регламент ночью.",
                          "ВНУТР: кластер 1С на {host} перезапущен, rphost съел всю память."],
                   "en": ["INTERNAL: no free 1C licenses on {host}, killed two stale sessions."]},
             reply={"ru": ["Здравствуйте! Освободили лицензии на сервере 1С, база должна запускаться. Пожалуйста, закрывайте 1С в конце рабочего дня.",
                           "Добрый день! Перезапустили сервер 1С и провели обслуживание базы, скорость работы восстановлена.",
                           "Здравствуйте! После обновления требовалось подтвердить легальность получения обновлений. Мы сделали это, база открывается."],
                    "en": ["Hello! We freed up 1C licenses on the server, the database should start now.",
                           "Hi! We restarted the 1C server and ran database maintenance, speed is back to normal."]},
             resolution={"ru": ["Освобождены лицензии 1С.", "Перезапущен кластер 1С, проведена реиндексация.", "Завершено обновление конфигурации."],
                         "en": ["1C licenses freed.", "1C cluster restarted."]}),
        dict(key="mail", cat=6, product="Почта",
             subj={"ru": ["Не приходят письма", "{mailclient} постоянно просит пароль", "Переполнен почтовый ящик"],
                   "en": ["Not receiving e-mail", "Mailbox is full"]},
             prob={"ru": ["Со вчерашнего дня не приходят письма от внешних адресатов, внутренние приходят. Клиенты жалуются, что получают отказ.",
                          "{mailclient} каждые несколько минут просит ввести пароль, ввожу — окно появляется снова.",
                          "Пришло уведомление, что почтовый ящик переполнен, и письма больше не отправляются."],
                   "en": ["Since yesterday I do not receive e-mails from external senders, internal ones arrive fine.",
                          "My mailbox is full and I cannot send messages anymore."]},
             note={"ru": ["ВНУТР: адрес попал в блок-лист на {host}, убрал правило.",
                          "ВНУТР: квота ящика 2 ГБ, согласовал с руководителем увеличение до 10 ГБ."],
                   "en": ["INTERNAL: sender domain was blocked by a transport rule on {host}."]},
             reply={"ru": ["Здравствуйте! Ошибочное правило фильтрации на почтовом сервере удалено, внешние письма снова доставляются. Письма за вчера придут в течение часа.",
                           "Добрый день! Увеличили квоту вашего ящика до 10 ГБ. Рекомендуем также включить архивирование старых писем.",
                           "Здравствуйте! Удалите сохранённый пароль в {mailclient} (Диспетчер учётных данных Windows) и перезапустите программу."],
                    "en": ["Hello! A wrong filtering rule on the mail server was removed, external mail is delivered again.",
                           "Hi! We increased your mailbox quota to 10 GB."]},
             resolution={"ru": ["Удалено ошибочное правило фильтрации.", "Увеличена квота ящика.", "Очищены сохранённые учётные данные."],
                         "en": ["Filtering rule removed.", "Mailbox quota increased."]}),
        dict(key="access", cat=2, product="Рабочее место",
             subj={"ru": ["Нет доступа к папке {share}", "Ошибка {acc_code}: отказано в доступе", "Нужны права на папку отдела"],
                   "en": ["Access denied to {share}", "Need access to department folder"]},
             prob={"ru": ["При открытии папки {share} появляется ошибка {acc_code} «Отказано в доступе». На прошлой неделе доступ был.",
                          "Перевёлся в {dept}, прошу выдать доступ к папке {share}, согласование руководителя в копии.",
                          "Не могу сохранить файл в {share}: «У вас нет разрешения на сохранение в этом месте» ({acc_code})."],
                   "en": ["Opening {share} gives error {acc_code} \"Access is denied\". I had access last week.",
                          "I moved to a new department and need access to {share}, my manager approved it."]},
             note={"ru": ["ВНУТР: пользователь не в группе доступа, добавил после согласования руководителя.",
                          "ВНУТР: на {host} слетело наследование прав после переноса папки."],
                   "en": ["INTERNAL: user was not in the access group, added after manager approval."]},
             reply={"ru": ["Здравствуйте! Доступ к папке {share} выдан. Чтобы права применились, выйдите из системы и войдите снова.",
                           "Добрый день! Восстановили права на папку после переноса данных. Проверьте, пожалуйста, доступ."],
                    "en": ["Hello! Access to {share} has been granted. Please log off and log on again so the new rights apply."]},
             resolution={"ru": ["Пользователь добавлен в группу доступа.", "Восстановлено наследование прав на папку."],
                         "en": ["User added to the access group."]}),
        dict(key="wifi", cat=7, product="Рабочее место",
             subj={"ru": ["Не подключается Wi-Fi в переговорной", "Слабый Wi-Fi на {n} этаже"],
                   "en": ["Wi-Fi not working in meeting room"]},
             prob={"ru": ["Ноутбук не подключается к корпоративной сети Wi-Fi в переговорной {n}: «Не удаётся подключиться к этой сети».",
                          "На {n} этаже очень слабый сигнал Wi-Fi, видеозвонки постоянно прерываются."],
                   "en": ["My laptop cannot join the corporate Wi-Fi in meeting room {n}: \"Can't connect to this network\"."]},
             note={"ru": ["ВНУТР: точка доступа в переговорной {n} не отвечает, нужен выезд.",
                          "ВНУТР: сертификат 802.1X на ноутбуке просрочен."],
                   "en": ["INTERNAL: access point in room {n} is down."]},
             reply={"ru": ["Здравствуйте! Заменили точку доступа в переговорной, подключение должно работать.",
                           "Добрый день! Обновили сертификат беспроводной сети на вашем ноутбуке. Перезагрузите его и подключитесь снова."],
                    "en": ["Hello! We replaced the access point in the meeting room, Wi-Fi should work now."]},
             resolution={"ru": ["Заменена точка доступа.", "Обновлён сертификат 802.1X."],
                         "en": ["Access point replaced."]}),
        dict(key="workstation", cat=4, product="Рабочее место",
             subj={"ru": ["Синий экран при загрузке", "Ошибка обновления Windows {code}", "Не включается компьютер"],
                   "en": ["Blue screen on boot", "Windows update fails with {code}"]},
             prob={"ru": ["Компьютер при загрузке показывает синий экран и перезагружается. Рабочее место {ws}.",
                          "Обновление Windows не устанавливается, ошибка {code}. Компьютер каждый день просит перезагрузку.",
                          "Компьютер не включается: горит индикатор, вентилятор шумит, экран чёрный."],
                   "en": ["My computer shows a blue screen during boot and restarts. Workstation {ws}.",
                          "Windows update keeps failing with {code}."]},
             note={"ru": ["ВНУТР: по дампу виноват драйвер видеокарты, откатил.",
                          "ВНУТР: на диске мало места, очистил кэш обновлений."],
                   "en": ["INTERNAL: minidump points to the video driver, rolled back."]},
             reply={"ru": ["Здравствуйте! Откатили драйвер видеокарты, синий экран больше не появляется. Если повторится — сообщите код ошибки с экрана.",
                           "Добрый день! Очистили кэш обновлений и установили обновление вручную. Ошибка {code} устранена.",
                           "Здравствуйте! Блок питания вышел из строя, инженер заменил его, компьютер работает."],
                    "en": ["Hello! We rolled back the video driver, the blue screen should not appear again.",
                           "Hi! We cleared the update cache and installed the update manually, error {code} is fixed."]},
             resolution={"ru": ["Откат драйвера видеокарты.", "Обновление установлено вручную.", "Заменён блок питания."],
                         "en": ["Video driver rolled back.", "Update installed manually."]}),
        dict(key="consult_it", cat=8, product="Рабочее место",
             subj={"ru": ["Как настроить подпись в почте", "Как подключиться к переговорной из дома"],
                   "en": ["How to set up e-mail signature"]},
             prob={"ru": ["Подскажите, пожалуйста, как настроить автоматическую подпись в {mailclient}, чтобы она была как у всех в компании?",
                          "Как подключиться к видеосвязи в переговорной {n} из дома? В приглашении только номер комнаты."],
                   "en": ["How do I set up the standard company signature in {mailclient}?"]},
             note={"ru": ["ВНУТР: типовой вопрос, отправить ссылку на базу знаний."],
                   "en": ["INTERNAL: standard question, send the KB link."]},
             reply={"ru": ["Здравствуйте! Откройте {mailclient} → Параметры → Почта → Подписи и вставьте шаблон из базы знаний, раздел «Почта».",
                           "Добрый день! Ссылка на подключение есть в приглашении календаря, кнопка «Присоединиться». Инструкция во вложении."],
                    "en": ["Hello! Go to {mailclient} → Options → Mail → Signatures and paste the template from the knowledge base."]},
             resolution={"ru": ["Дана консультация, ссылка на базу знаний."], "en": ["Consultation given."]}),
    ],
    "client": [
        dict(key="invoice", cat=0, product="Биллинг",
             subj={"ru": ["Не пришёл счёт за {month}", "Оплата не отображается в личном кабинете", "Двойное списание"],
                   "en": ["Invoice for {month_en} missing", "Payment not shown"]},
             prob={"ru": ["Не получили счёт на оплату за {month}, хотя обычно он приходит до пятого числа. Договор № {n}-К.",
                          "Оплатили счёт СЧ-{n} платёжным поручением три дня назад, а в личном кабинете оплата не отображается и пришло уведомление о задолженности.",
                          "С нашей карты дважды списали абонентскую плату за {month}. Прошу вернуть лишний платёж."],
                   "en": ["We have not received the invoice for {month_en}. Contract {n}-K.",
                          "We paid invoice {n} three days ago but the payment is not shown in the portal."]},
             note={"ru": ["ВНУТР: платёж пришёл с неверным назначением, разнёс вручную.",
                          "ВНУТР: в биллинге задвоение транзакции, оформил возврат через бухгалтерию."],
                   "en": ["INTERNAL: payment arrived with a wrong reference, matched manually."]},
             reply={"ru": ["Здравствуйте! Счёт за {month} повторно отправлен на вашу почту, также он доступен в личном кабинете в разделе «Документы».",
                           "Добрый день! Платёж нашли, он пришёл с неполным назначением. Мы разнесли его вручную, задолженность снята.",
                           "Здравствуйте! Подтверждаем двойное списание, возврат оформлен, деньги поступят в течение 5 рабочих дней."],
                    "en": ["Hello! The invoice for {month_en} has been resent to your e-mail and is also available in the portal.",
                           "Hi! We found your payment and applied it manually, the debt notice is cancelled."]},
             resolution={"ru": ["Счёт отправлен повторно.", "Платёж разнесён вручную.", "Оформлен возврат."],
                         "en": ["Invoice resent.", "Payment applied manually."]}),
        dict(key="closing_docs", cat=1, product="Биллинг",
             subj={"ru": ["Нужен акт сверки", "Не пришли закрывающие документы за {quarter} квартал"],
                   "en": ["Reconciliation statement needed"]},
             prob={"ru": ["Просим направить акт сверки взаиморасчётов за {quarter} квартал, аудиторы запрашивают до конца недели.",
                          "Не получили по ЭДО закрывающие документы (УПД) за {month}. Без них не можем принять расходы."],
                   "en": ["Please send us a reconciliation statement for Q{n}, our auditors need it."]},
             note={"ru": ["ВНУТР: УПД застряли у оператора ЭДО, переотправил.", "ВНУТР: акт сверки сформирован, подписан главбухом."],
                   "en": ["INTERNAL: documents were stuck at the EDI operator, resent."]},
             reply={"ru": ["Здравствуйте! Акт сверки за {quarter} квартал направлен по ЭДО, подпишите его, пожалуйста, с вашей стороны.",
                           "Добрый день! УПД за {month} повторно отправлены через оператора ЭДО, проверьте входящие документы."],
                    "en": ["Hello! The reconciliation statement has been sent via EDI, please sign it on your side."]},
             resolution={"ru": ["Акт сверки отправлен по ЭДО.", "УПД отправлены повторно."],
                         "en": ["Statement sent via EDI."]}),
        dict(key="login", cat=2, product="Личный кабинет",
             subj={"ru": ["Не могу войти в личный кабинет", "Не приходит код подтверждения", "Восстановление пароля от ЛК"],
                   "en": ["Cannot log in to the portal", "No verification code"]},
             prob={"ru": ["Не могу войти в личный кабинет: после ввода логина {login} и пароля страница просто обновляется.",
                          "Не приходит SMS с кодом подтверждения при входе в личный кабинет, номер телефона не менялся.",
                          "Забыли пароль от личного кабинета, а восстановление отправляет письмо на почту уволившегося сотрудника."],
                   "en": ["I cannot log in to the customer portal, after entering {login} and my password the page just reloads.",
                          "The SMS verification code never arrives when I log in."]},
             note={"ru": ["ВНУТР: у клиента блокировка после 10 неудачных попыток, снял.", "ВНУТР: SMS-шлюз отвечает {code}, передал в эксплуатацию."],
                   "en": ["INTERNAL: account locked after 10 failed attempts, unlocked."]},
             reply={"ru": ["Здравствуйте! Сняли блокировку входа. Очистите кэш браузера или откройте личный кабинет в режиме инкогнито и войдите снова.",
                           "Добрый день! Проблема с отправкой SMS устранена, попробуйте войти ещё раз. Также можно включить вход по коду из приложения.",
                           "Здравствуйте! Сменили контактный e-mail учётной записи на указанный вами, ссылка для смены пароля отправлена."],
                    "en": ["Hello! We removed the login lock. Please clear your browser cache and sign in again.",
                           "Hi! The SMS issue is fixed, please try again."]},
             resolution={"ru": ["Снята блокировка входа.", "Исправлена отправка SMS.", "Изменён контактный e-mail."],
                         "en": ["Login lock removed."]}),
        dict(key="portal_error", cat=3, product="Личный кабинет",
             subj={"ru": ["Ошибка {err} при сохранении заявки", "В личном кабинете ошибка {err}", "Не загружается раздел «Документы»"],
                   "en": ["Error {err} when saving a request", "Portal error {err}"]},
             prob={"ru": ["При сохранении заявки в личном кабинете появляется ошибка {err} «Не удалось сохранить данные». Пробовали в разных браузерах.",
                          "Раздел «Документы» в личном кабинете не загружается, крутится индикатор, затем ошибка {err}.",
                          "При выгрузке отчёта в Excel получаем ошибку {err}, файл не скачивается."],
                   "en": ["Saving a request in the portal fails with error {err} \"Could not save data\". Tried several browsers.",
                          "The Documents section does not load and finally shows {err}."]},
             note={"ru": ["ВНУТР: {err} — таймаут к сервису документов на {host}, завёл инцидент.",
                          "ВНУТР: воспроизвёл {err} на тестовом стенде, баг в валидации поля ИНН."],
                   "en": ["INTERNAL: {err} is a timeout to the documents service on {host}."]},
             reply={"ru": ["Здравствуйте! Ошибка {err} была вызвана сбоем сервиса документов, сейчас всё работает. Приносим извинения за неудобства.",
                           "Добрый день! Исправление ошибки {err} выпущено, обновите страницу (Ctrl+F5) и сохраните заявку ещё раз."],
                    "en": ["Hello! Error {err} was caused by a failure of the documents service, it works again now.",
                           "Hi! A fix for {err} has been released, please refresh the page and try again."]},
             resolution={"ru": ["Восстановлен сервис документов.", "Выпущено исправление валидации."],
                         "en": ["Documents service restored."]}),
        dict(key="onec_exchange", cat=4, product="Интеграция с 1С",
             subj={"ru": ["Не выгружаются документы в 1С", "Ошибка обмена с 1С"],
                   "en": ["1C exchange fails"]},
             prob={"ru": ["Перестали выгружаться документы из личного кабинета в 1С:Бухгалтерию, в журнале обмена ошибка {code}.",
                          "Обмен с 1С завершается ошибкой «{onec_err}», последняя успешная выгрузка была {n} дней назад."],
                   "en": ["Documents are no longer exported to 1C, the exchange log shows {code}."]},
             note={"ru": ["ВНУТР: у клиента истёк токен обмена, перевыпустил.", "ВНУТР: клиент обновил конфигурацию 1С, модуль обмена старый."],
                   "en": ["INTERNAL: the client's exchange token expired, reissued."]},
             reply={"ru": ["Здравствуйте! Перевыпустили токен обмена, вставьте новый в настройки обработки обмена в 1С и запустите выгрузку.",
                           "Добрый день! Для вашей версии конфигурации нужна новая обработка обмена, ссылка и инструкция во вложении."],
                    "en": ["Hello! We reissued the exchange token, please paste it into the 1C exchange settings."]},
             resolution={"ru": ["Перевыпущен токен обмена.", "Обновлена обработка обмена 1С."], "en": ["Exchange token reissued."]}),
        dict(key="api", cat=5, product="API",
             subj={"ru": ["API возвращает {api_code}", "Превышен лимит запросов API"],
                   "en": ["API returns {api_code}", "API rate limit"]},
             prob={"ru": ["Наша интеграция получает от вашего API ответ {api_code} на все запросы начиная с сегодняшнего утра, ключ не меняли.",
                          "Получаем 429 при синхронизации каталога, хотя делаем не больше {n} запросов в минуту."],
                   "en": ["Our integration gets {api_code} from your API on every call since this morning, the key did not change.",
                          "We get 429 while syncing the catalog although we send only {n} requests per minute."]},
             note={"ru": ["ВНУТР: ключ клиента отозван при ротации, выпустил новый.", "ВНУТР: лимит у тарифа 60 rpm, клиент шлёт пачками."],
                   "en": ["INTERNAL: client's key was revoked during rotation."]},
             reply={"ru": ["Здравствуйте! Ваш ключ API был отозван при плановой ротации. Новый ключ доступен в личном кабинете в разделе «Интеграции».",
                           "Добрый день! Лимит вашего тарифа 60 запросов в минуту. Распределите запросы равномерно или используйте пакетные методы."],
                    "en": ["Hello! Your API key was revoked during a planned rotation, a new one is available in the portal.",
                           "Hi! Your plan allows 60 requests per minute, please spread requests evenly."]},
             resolution={"ru": ["Выпущен новый ключ API.", "Даны рекомендации по лимитам."], "en": ["New API key issued."]}),
        dict(key="mailing", cat=6, product="Личный кабинет",
             subj={"ru": ["Уведомления попадают в спам", "Не приходят уведомления"],
                   "en": ["Notifications go to spam"]},
             prob={"ru": ["Ваши уведомления о новых счетах попадают у нас в спам, а некоторые не приходят вовсе.",
                          "Перестали приходить уведомления о статусе заявок на адрес {login}."],
                   "en": ["Your notification e-mails land in our spam folder, some never arrive."]},
             note={"ru": ["ВНУТР: адрес клиента в списке отказов после переполнения ящика, удалил."],
                   "en": ["INTERNAL: address was on the bounce list, removed."]},
             reply={"ru": ["Здравствуйте! Добавьте, пожалуйста, адрес noreply@ в белый список почтового сервера. С нашей стороны адрес удалён из списка отказов.",
                           "Добрый день! Рассылка возобновлена, уведомления снова будут приходить."],
                    "en": ["Hello! Please add our noreply address to your allow list; we removed your address from the bounce list."]},
             resolution={"ru": ["Адрес удалён из списка отказов."], "en": ["Address removed from bounce list."]}),
        dict(key="consult_client", cat=7, product="Личный кабинет",
             subj={"ru": ["Как добавить сотрудника в личный кабинет", "Как сменить реквизиты"],
                   "en": ["How to add a user to the portal"]},
             prob={"ru": ["Подскажите, как добавить нового сотрудника в личный кабинет с правом просмотра счетов?",
                          "У нас сменились банковские реквизиты, как обновить их в договоре?"],
                   "en": ["How can I add a colleague to our portal account with read-only access to invoices?"]},
             note={"ru": ["ВНУТР: типовой вопрос, ссылка на инструкцию."], "en": ["INTERNAL: standard question."]},
             reply={"ru": ["Здравствуйте! Откройте «Настройки» → «Пользователи» → «Пригласить», выберите роль «Бухгалтер». Инструкция во вложении.",
                           "Добрый день! Пришлите, пожалуйста, письмо на бланке компании с новыми реквизитами, и мы подготовим допсоглашение."],
                    "en": ["Hello! Open Settings → Users → Invite and choose the Accountant role."]},
             resolution={"ru": ["Дана консультация."], "en": ["Consultation given."]}),
    ],
}

CATALOGS = {
    "it": ("Категории ИТ-заявок", ["Доступ / VPN", "Доступ / Пароли и учётные записи", "Доступ / Права доступа",
                                     "Оборудование / Принтеры", "Оборудование / Рабочие места", "ПО / 1С",
                                     "ПО / Почта", "Сеть / Wi-Fi", "Прочее / Консультация"]),
    "client": ("Категории обращений клиентов", ["Биллинг / Счета и оплата", "Биллинг / Закрывающие документы",
                                                 "Личный кабинет / Вход", "Личный кабинет / Ошибки",
                                                 "Интеграции / 1С", "Интеграции / API", "Рассылки / Уведомления",
                                                 "Прочее / Консультация"]),
}
PRODUCTS = {"it": ["Рабочее место", "1С:Предприятие", "Почта", "VPN", "Принтер"],
            "client": ["Личный кабинет", "Биллинг", "API", "Интеграция с 1С"]}
FORM_NAMES = {"it": "Заявки в ИТ-поддержку", "client": "Обращения клиентов"}

GREET = {"ru": ["Добрый день!", "Здравствуйте!", "Коллеги, добрый день.", ""], "en": ["Hi,", "Hello team,", ""]}
SIGN = {"ru": ["С уважением, {req_name}", "Спасибо, {req_first}", "{req_name}, {dept}", ""],
        "en": ["Thanks, {req_first}", "Best regards, {req_name}", ""]}
EXTRA = {"ru": ["Срочно, стоит работа отдела.", "Номер рабочего места: {ws}.", "Телефон для связи в профиле.", ""],
         "en": ["This is urgent, the team is blocked.", "My workstation is {ws}.", ""]}
FOLLOWUP = {"ru": ["Спасибо, попробовал — не помогло, ошибка та же.", "Сделал, как вы написали, но теперь появляется другая ошибка: {code}.",
                   "Подскажите, пожалуйста, когда будет решение? Отдел стоит.", "Уточняю: ошибка появляется только утром, после обеда всё работает."],
            "en": ["Thanks, I tried that but it did not help, same error.", "Did as you said, now I get a different error: {code}.",
                   "Any update on this? The whole team is blocked."]}
STAFF_FOLLOWUP = {"ru": ["Уточните, пожалуйста, точный текст ошибки и время, когда она появилась: так мы быстрее найдём причину в журналах.",
                         "Мы внесли дополнительные изменения на стороне сервера, проверьте, пожалуйста, ещё раз.",
                         "Подключились к вашему компьютеру удалённо и исправили настройки, проверьте, пожалуйста."],
                  "en": ["Could you send the exact error text and the time it appeared? That helps us find it in the logs.",
                         "We made further changes on the server side, please check again."]}
STAFF_FINAL = {"ru": ["Со своей стороны всё исправили. Если проблема повторится, просто ответьте на это письмо.",
                      "Проверили: всё работает. Закрываем заявку, при повторении ответьте на это сообщение."],
               "en": ["Everything is fixed on our side. If the problem comes back, just reply to this message."]}
REOPEN = {"ru": ["Проблема снова повторилась, ошибка та же.", "Опять не работает, после перезагрузки всё вернулось."],
          "en": ["The problem is back, same error.", "It stopped working again after a restart."]}
THANKS = {"ru": ["Спасибо, всё работает!", "Благодарю за быстрое решение."], "en": ["Thanks, works now!", "Thank you for the quick fix."]}
NOTE_GENERIC = {"ru": ["ВНУТР: жду ответа от второй линии.", "ВНУТР: заявитель не отвечает на звонки, написал в почту.",
                       "проверил логи, ничего подозрительного; ВНУТР — не пересылать клиенту."],
                "en": ["INTERNAL: waiting for the second line.", "INTERNAL: checked the logs, nothing suspicious yet."]}
FINISH_NOTE = {"ru": "ВНУТР: закрываю, решение подтверждено заявителем.", "en": "INTERNAL: closing, confirmed by the requester."}
STEPS_TAKEN = {"ru": ["Перезагрузил компьютер", "Проверил подключение к интернету", "Очистил кэш браузера",
                      "Вышел и снова вошёл в систему", "Спросил коллег: у них то же самое", "Переустановил программу"],
               "en": ["Restarted the computer", "Checked the internet connection", "Cleared the browser cache",
                      "Logged out and in again"]}
ACK = {"ru": "Ваше обращение зарегистрировано под номером {id}. Мы ответим в течение рабочего дня.",
       "en": "Your request #{id} has been registered. We will reply within one business day."}
CHANNELS = ["email"] * 5 + ["telegram"] * 3 + ["web_widget"] * 2

ATTACH_TXT = [("лог_ошибки.txt", "Журнал ошибок {host}"), ("описание проблемы.txt", "Описание проблемы"),
              ("error_log.txt", "Error log {host}"), ("заметка «важно».txt", "Заметка заявителя")]
ATTACH_HTML = [("Инструкция по настройке.html", "Инструкция по настройке"), ("инструкция.html", "Пошаговая инструкция"),
               ("kb_article.html", "Статья базы знаний")]


class Stop(Exception):
    """The generated history reached the anchor time: the ticket stays as it is."""


def fill(tpl, ctx):
    return tpl.format_map(ctx).strip()


# ---------------------------------------------------------------------------------------------
# The world
# ---------------------------------------------------------------------------------------------

class World:
    def __init__(self):
        self.lock = threading.RLock()
        self.forms = {}       # form id -> form definition
        self.catalogs = {}    # catalog id -> catalog
        self.tasks = {}       # task id -> task (API shape, with comments)
        self.meta = {}        # task id -> {topic, kind, lang, channel, requester}
        self.files = {}       # file id (str) -> {name, ctype, text}
        self.people = {}      # person id (str) -> person
        self.posted = []
        self.counters = {"task": FIRST_TASK_ID - 1, "comment": FIRST_COMMENT_ID - 1, "file": FIRST_FILE_ID - 1}
        self.info = {}
        self.state_file = None
        self.login = "bot@test"
        self._index()

    # ---- structure --------------------------------------------------------------------------
    def _index(self):
        self.fdefs = {}    # form id -> {field id: (definition, parent id or None)}
        self.fcodes = {}   # form id -> {code: field id}
        self.fnames = {}   # form id -> {name: field id}
        for form_id, form in self.forms.items():
            defs, codes, names = {}, {}, {}

            def walk(fields, parent):
                for f in fields:
                    defs[f["id"]] = (f, parent)
                    code = f.get("info", {}).get("code")
                    if code:
                        codes[code] = f["id"]
                    names.setdefault(f["name"], f["id"])
                    info = f.get("info", {})
                    walk(info.get("fields", []), f["id"])
                    walk(info.get("columns", []), f["id"])
            walk(form["fields"], None)
            self.fdefs[form_id], self.fcodes[form_id], self.fnames[form_id] = defs, codes, names
        self.agents = [p for p in self.people.values() if p["id"] < 1000]
        self._pools = {}
        self._tcache = {}     # task id -> its JSON bytes in the state file (dropped when it changes)
        self._pcache = []     # JSON bytes of the posted log entries
        self.agent_ids = {p["id"] for p in self.agents}

    @staticmethod
    def kind_of(form_id):
        return "it" if form_id % 2 == 1 else "client"

    def build_forms(self, nforms):
        for k in range(1, nforms + 1):
            form_id, base, cat_id = 5000 + k, (k - 1) * 100, 700 + k
            kind = self.kind_of(form_id)
            cname, items = CATALOGS[kind]
            self.catalogs[cat_id] = {
                "catalog_id": cat_id, "name": cname, "version": 1, "deleted": False,
                "catalog_headers": [{"name": "Категория", "type": "text"}],
                "items": [{"item_id": cat_id * 1000 + i + 1, "values": [v], "deleted": False}
                          for i, v in enumerate(items)]}
            opts = [{"choice_id": i + 1, "choice_value": p} for i, p in enumerate(PRODUCTS[kind])]
            self.forms[form_id] = {
                "id": form_id, "name": FORM_NAMES[kind] + ("" if k <= 2 else f" {k}"),
                "steps": {"1": "Первая линия", "2": "Вторая линия"},
                "fields": [
                    {"id": base + 1, "type": "title", "name": "Обращение", "info": {
                        "code": "ticket_title", "fields": [
                            {"id": base + 2, "type": "text", "name": "Описание проблемы",
                             "info": {"code": "problem", "required_step": 1}},
                            {"id": base + 3, "type": "multiple_choice", "name": "Продукт",
                             "info": {"code": "product", "options": opts}}]}},
                    {"id": base + 4, "type": "text", "name": "Решение", "info": {"code": "resolution"}},
                    {"id": base + 5, "type": "catalog", "name": "Категория",
                     "info": {"code": "category", "catalog_id": cat_id}},
                    {"id": base + 6, "type": "email", "name": "E-mail заявителя", "info": {"code": "requester_email"}},
                    {"id": base + 7, "type": "table", "name": "Что уже сделано", "info": {
                        "code": "actions_table", "columns": [
                            {"id": base + 8, "type": "text", "name": "Действие", "info": {"code": "steps_taken"}}]}},
                    {"id": base + 9, "type": "phone", "name": "Телефон", "info": {}},
                ]}
        self._index()

    def build_people(self, rng):
        for i, (first, last) in enumerate(AGENTS):
            pid = 101 + i
            self.people[str(pid)] = {"id": pid, "first_name": first, "last_name": last,
                                     "email": f"{translit(first)[0]}.{translit(last)}@helpdesk.example.ru", "type": "user"}
        self.people[str(BOT_ID)] = {"id": BOT_ID, "first_name": "Суфлёр", "last_name": "",
                                    "email": self.login, "type": "bot"}
        self.people[str(AUTOBOT_ID)] = {"id": AUTOBOT_ID, "first_name": "Автоответчик", "last_name": "",
                                        "email": "autoreply@helpdesk.example.ru", "type": "bot"}
        pid = 20001
        seen = set()
        for lang, count in (("ru", 320), ("en", 90)):
            for _ in range(count):
                if lang == "ru":
                    female = rng.random() < 0.5
                    first = rng.choice(RU_FIRST_F if female else RU_FIRST_M)
                    last = rng.choice(RU_LAST) + ("а" if female else "")
                    local = f"{translit(first)}.{translit(last)}"
                else:
                    first, last = rng.choice(EN_FIRST), rng.choice(EN_LAST)
                    local = f"{first.lower()}.{last.lower()}"
                pool = "it" if rng.random() < 0.5 else "client"
                dom = rng.choice(DOMAINS_IT if pool == "it" else DOMAINS_CLIENT)
                email = f"{local}@{dom}"
                n = 2
                while email in seen:
                    email = f"{local}{n}@{dom}"
                    n += 1
                seen.add(email)
                self.people[str(pid)] = {"id": pid, "first_name": first, "last_name": last, "email": email,
                                         "type": "user", "lang": lang, "pool": pool}
                pid += 1
        self._index()

    def requesters(self, lang, kind):
        key = (lang, kind)
        if key not in self._pools:
            self._pools[key] = [p for p in self.people.values() if p.get("lang") == lang and p.get("pool") == kind]
        return self._pools[key]

    @staticmethod
    def person(p):
        return {k: p[k] for k in ("id", "first_name", "last_name", "email", "type")}

    # ---- ids, files -------------------------------------------------------------------------
    def next_id(self, what, gap_rng=None):
        step = 1
        if gap_rng is not None and gap_rng.random() < 0.3:
            step += gap_rng.randint(1, 25)
        self.counters[what] += step
        return self.counters[what]

    def add_file(self, rng, html, lang, ctx):
        fid = self.next_id("file")
        name, title = rng.choice(ATTACH_HTML if html else ATTACH_TXT)
        title = fill(title, ctx)
        marker = f"ATT-{fid}"
        if html:
            body = ("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" + title + "</title></head><body>\n"
                    f"<h1>{title}</h1>\n<ol><li>Откройте настройки программы.</li>"
                    "<li>Выберите раздел «Подключения» и нажмите «Обновить».</li>"
                    "<li>Перезапустите программу.</li></ol>\n"
                    f"<p>Если ошибка {ctx['code']} повторяется, ответьте на письмо.</p>\n"
                    f"<p>Код вложения: {marker}</p>\n</body></html>\n")
            ctype = "text/html; charset=utf-8"
        else:
            lines = [title, ""]
            for i in range(rng.randint(2, 5)):
                lines.append(f"2024-05-{10 + i:02d} 09:{rng.randint(10, 59)}:01 ERROR {ctx['code']} "
                             + ("соединение разорвано" if lang == "ru" else "connection reset") + f" ({ctx['host']})")
            lines += ["", f"Код вложения: {marker}", ""]
            body = "\n".join(lines)
            ctype = "text/plain; charset=utf-8"
        data = body.encode("utf-8")
        self.files[str(fid)] = {"name": name, "ctype": ctype, "text": body}
        return {"id": fid, "name": name, "size": len(data), "md5": hashlib.md5(data).hexdigest(), "version": 1}

    # ---- fields -----------------------------------------------------------------------------
    def catalog_value(self, cat_id, item):
        cat = self.catalogs[cat_id]
        return {"item_id": item["item_id"], "item_ids": [item["item_id"]], "values": list(item["values"]),
                "rows": [list(item["values"])], "headers": [h["name"] for h in cat["catalog_headers"]]}

    def catalog_item(self, cat_id, item_id):
        for it in self.catalogs[cat_id]["items"]:
            if it["item_id"] == item_id:
                return it
        return None

    def choice_value(self, fdef, ids):
        names = []
        for cid in ids:
            opt = next((o for o in fdef["info"]["options"] if o["choice_id"] == cid), None)
            if opt is None:
                raise ApiError(400, "invalid_field_value", f"field {fdef['id']}: no choice {cid}")
            names.append(opt["choice_value"])
        return {"choice_ids": list(ids), "choice_names": names}

    def empty_fields(self, form_id):
        out = []
        for f in self.forms[form_id]["fields"]:
            d = {"id": f["id"], "type": f["type"], "name": f["name"]}
            if f["type"] == "title":
                d["value"] = {"fields": [{"id": n["id"], "type": n["type"], "name": n["name"], "parent_id": f["id"]}
                                         for n in f["info"]["fields"]]}
            out.append(d)
        return out

    def task_field(self, task, fid):
        for f in task["fields"]:
            if f["id"] == fid:
                return f
            if f["type"] == "title":
                for n in f.get("value", {}).get("fields", []):
                    if n["id"] == fid:
                        return n
        return None

    def resolve_field(self, form_id, upd):
        """The field id an update names (by id, code or name)."""
        if "id" in upd:
            fid = upd["id"]
            if not isinstance(fid, int) or fid not in self.fdefs[form_id]:
                raise ApiError(400, "field_not_found", f"no field with id {fid!r} in form {form_id}")
            return fid
        if "code" in upd:
            fid = self.fcodes[form_id].get(upd["code"])
            if fid is None:
                raise ApiError(400, "field_not_found", f"no field with code {upd['code']!r} in form {form_id}")
            return fid
        if "name" in upd:
            fid = self.fnames[form_id].get(upd["name"])
            if fid is None:
                raise ApiError(400, "field_not_found", f"no field named {upd['name']!r} in form {form_id}")
            return fid
        raise ApiError(400, "field_not_found", "a field update needs id, code or name")

    def normalize_value(self, form_id, fdef, value):
        """An API value for a field, from what a client sent (None clears the field)."""
        t, fid = fdef["type"], fdef["id"]
        if value is None:
            return None
        if t in ("text", "email", "phone", "note"):
            if not isinstance(value, str):
                raise ApiError(400, "invalid_field_value", f"field {fid}: a {t} value is a string")
            return value if value != "" else None
        if t == "catalog":
            if not isinstance(value, dict):
                raise ApiError(400, "invalid_field_value", f"field {fid}: a catalog value is an object with item_ids")
            cat_id = fdef["info"]["catalog_id"]
            ids = value.get("item_ids")
            if ids is None and "item_id" in value:
                ids = [value["item_id"]]
            if ids is None and "values" in value:
                ids = [it["item_id"] for it in self.catalogs[cat_id]["items"] if it["values"] == value["values"]][:1]
                if not ids:
                    raise ApiError(400, "catalog_item_not_found", f"field {fid}: no item with values {value['values']!r}")
            if not isinstance(ids, list) or not all(isinstance(i, int) for i in ids):
                raise ApiError(400, "invalid_field_value", f"field {fid}: item_ids must be a list of integers")
            if not ids:
                return None
            items = []
            for i in ids:
                it = self.catalog_item(cat_id, i)
                if it is None:
                    raise ApiError(400, "catalog_item_not_found", f"field {fid}: catalog {cat_id} has no item {i}")
                items.append(it)
            v = self.catalog_value(cat_id, items[0])
            if len(items) > 1:
                v["item_ids"] = [it["item_id"] for it in items]
                v["rows"] = [list(it["values"]) for it in items]
            return v
        if t == "multiple_choice":
            if not isinstance(value, dict):
                raise ApiError(400, "invalid_field_value", f"field {fid}: a choice value is an object with choice_ids")
            ids = value.get("choice_ids")
            if ids is None and "choice_id" in value:
                ids = [value["choice_id"]]
            if ids is None and "choice_names" in value:
                ids = [o["choice_id"] for o in fdef["info"]["options"] if o["choice_value"] in value["choice_names"]]
            if not isinstance(ids, list) or not all(isinstance(i, int) for i in ids):
                raise ApiError(400, "invalid_field_value", f"field {fid}: choice_ids must be a list of integers")
            return self.choice_value(fdef, ids) if ids else None
        if t == "title":
            raise ApiError(400, "invalid_field_value", f"field {fid}: update the title's nested fields by their ids")
        if t == "table":
            if not isinstance(value, list):
                raise ApiError(400, "invalid_field_value", f"field {fid}: a table value is a list of rows")
            return value  # merged by apply_updates
        raise ApiError(400, "invalid_field_value", f"field {fid}: type {t} cannot be set here")

    def apply_updates(self, task, updates):
        """Applies field updates (client shape) to the task; returns them in API shape."""
        form_id = task["form_id"]
        if not isinstance(updates, list):
            raise ApiError(400, "invalid_field_value", "field_updates must be a list")
        planned = []
        for upd in updates:
            if not isinstance(upd, dict):
                raise ApiError(400, "invalid_field_value", "each field update is an object")
            fid = self.resolve_field(form_id, upd)
            fdef, parent = self.fdefs[form_id][fid]
            if parent is not None and self.fdefs[form_id][parent][0]["type"] == "table":
                raise ApiError(400, "invalid_field_value", f"field {fid} is a table column: update the table")
            planned.append((fdef, self.normalize_value(form_id, fdef, upd.get("value"))))
        out = []
        self.touch(task["id"])
        for fdef, value in planned:   # validated first: nothing applied when one update is wrong
            tf = self.task_field(task, fdef["id"])
            if fdef["type"] == "table":
                value = self.merge_table(task, fdef, tf.get("value", []), value)
            if value is None:
                tf.pop("value", None)
            else:
                tf["value"] = value
            rec = {"id": fdef["id"], "type": fdef["type"], "name": fdef["name"]}
            if value is not None:
                rec["value"] = json.loads(json.dumps(value))
            out.append(rec)
        return out

    def merge_table(self, task, fdef, rows, changes):
        cols = {c["id"]: c for c in fdef["info"]["columns"]}
        codes = {c["info"].get("code"): c["id"] for c in fdef["info"]["columns"]}
        rows = json.loads(json.dumps(rows))
        next_row = max([r["row_id"] for r in rows] + [-1]) + 1
        for ch in changes:
            if not isinstance(ch, dict):
                raise ApiError(400, "invalid_field_value", f"field {fdef['id']}: rows are objects")
            rid = ch.get("row_id")
            row = next((r for r in rows if r["row_id"] == rid), None) if rid is not None else None
            if ch.get("delete"):
                if row is not None:
                    rows.remove(row)
                continue
            if row is None:
                row = {"row_id": next_row if rid is None else rid, "cells": []}
                next_row = max(next_row, row["row_id"]) + 1
                rows.append(row)
            for cell in ch.get("cells", []):
                cid = cell.get("id", codes.get(cell.get("code")))
                if cid not in cols:
                    raise ApiError(400, "field_not_found", f"table {fdef['id']} has no column {cell!r}")
                col = cols[cid]
                val = self.normalize_value(task["form_id"], col, cell.get("value"))
                old = next((c for c in row["cells"] if c["id"] == cid), None)
                if old is None:
                    old = {"id": cid, "type": col["type"], "name": col["name"]}
                    row["cells"].append(old)
                if val is None:
                    old.pop("value", None)
                else:
                    old["value"] = val
        return rows or None

    # ---- comments ---------------------------------------------------------------------------
    def add_comment(self, task, author, when, text=None, channel=None, action=None, field_updates=None,
                    attachments=None, formatted=None):
        cid = self.next_id("comment")
        c = {"id": cid, "create_date": iso(when), "author": self.person(author)}
        if text is not None:
            c["text"] = text
        if formatted is not None:
            c["formatted_text"] = formatted
        if channel:
            c["channel"] = {"type": channel}
        if action:
            c["action"] = action
        if field_updates:
            c["field_updates"] = field_updates
        if attachments:
            c["attachments"] = attachments
        task["comments"].append(c)
        self.touch(task["id"])
        task["last_note_id"] = cid
        task["last_modified_date"] = iso(when)
        if action == "finished":
            task["close_date"] = iso(when)
        elif action == "reopened":
            task.pop("close_date", None)
        return c

    def ctx(self, rng, task_id, req):
        c = {k: rng.choice(v) for k, v in FILL.items()}
        c.update(n=rng.randint(2, 40), ws=f"WS-{rng.randint(100, 999)}", id=task_id, dept=rng.choice(DEPTS),
                 login=req["email"].split("@")[0], req_name=f"{req['first_name']} {req['last_name']}",
                 req_first=req["first_name"])
        return c

    def topic(self, meta):
        return next(t for t in TOPICS[meta["kind"]] if t["key"] == meta["topic"])

    def reply_text(self, rng, lang, texts, ctx):
        """A staff reply; sometimes also as formatted_text."""
        txt = fill(rng.choice(texts[lang]), ctx)
        if rng.random() < 0.3:
            return txt, "<p>" + txt.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") + "</p>"
        return txt, None

    def gen_ticket(self, rng, tid, form_id, created, limit, new=False):
        kind = self.kind_of(form_id)
        topic = rng.choice(TOPICS[kind])
        lang = "en" if rng.random() < 0.25 else "ru"
        req = rng.choice(self.requesters(lang, kind))
        ctx = self.ctx(rng, tid, req)
        subject = fill(rng.choice(topic["subj"][lang]), ctx)
        problem = fill(rng.choice(topic["prob"][lang]), ctx)
        channel = rng.choice(CHANNELS)
        agent = rng.choice(self.agents)
        base = (form_id - 5001) * 100
        task = {"id": tid, "form_id": form_id, "text": problem, "subject": subject,
                "create_date": iso(created), "last_modified_date": iso(created),
                "author": self.person(req), "responsible": self.person(agent),
                "current_step": 1, "steps": [], "fields": self.empty_fields(form_id),
                "attachments": [], "comments": []}
        meta = {"topic": topic["key"], "kind": kind, "lang": lang, "channel": channel, "requester": req["id"]}
        self.tasks[tid], self.meta[tid] = task, meta
        fdefs = self.fdefs[form_id]
        self.task_field(task, base + 2)["value"] = problem
        self.task_field(task, base + 3)["value"] = self.choice_value(
            fdefs[base + 3][0], [PRODUCTS[kind].index(topic["product"]) + 1])
        self.task_field(task, base + 6)["value"] = req["email"]
        if rng.random() < 0.4:
            self.task_field(task, base + 9)["value"] = f"+7 9{rng.randint(10, 99)} {rng.randint(100, 999)}-{rng.randint(10, 99)}-{rng.randint(10, 99)}"
        if rng.random() < 0.3:
            acts = rng.sample(STEPS_TAKEN[lang], rng.randint(1, 3))
            self.task_field(task, base + 7)["value"] = [
                {"row_id": i, "cells": [{"id": base + 8, "type": "text", "name": "Действие", "value": a}]}
                for i, a in enumerate(acts)]
        cat_id = 700 + (form_id - 5000)
        cat_item = self.catalogs[cat_id]["items"][topic["cat"]]
        r = rng.random()
        cat_mode = "none" if r < 0.15 else ("update" if r < 0.45 else "create")
        if new and cat_mode == "update":
            cat_mode = "none"
        if cat_mode == "create":
            self.task_field(task, base + 5)["value"] = self.catalog_value(cat_id, cat_item)
        att_where = []
        if rng.random() < 0.10:
            att_where = [rng.choice(["task", "first", "reply"]) for _ in range(rng.randint(1, 2))]
        for w in att_where:
            if w == "task":
                task["attachments"].append(self.add_file(rng, rng.random() < 0.3, lang, ctx))

        first_msg = "\n\n".join(x for x in (fill(rng.choice(GREET[lang]), ctx), problem,
                                            fill(rng.choice(EXTRA[lang]), ctx), fill(rng.choice(SIGN[lang]), ctx)) if x)
        clock = [created]

        def at(lo, hi):
            clock[0] += rng.randint(lo, hi)
            if clock[0] > limit:
                raise Stop()
            return clock[0]

        def staff_reply(texts, extra_files=()):
            txt, fmt = self.reply_text(rng, lang, texts, ctx)
            return self.add_comment(task, agent, at(900, 2 * 86400), text=txt, formatted=fmt, channel=channel,
                                    attachments=list(extra_files) or None)

        escalated_at = None
        try:
            if rng.random() < 0.75:
                files = [self.add_file(rng, False, lang, ctx) for w in att_where if w == "first"]
                self.add_comment(task, req, at(0, 0 if new else 120), text=first_msg, channel=channel,
                                 attachments=files or None)
            if new:
                raise Stop()
            if rng.random() < 0.2:
                self.add_comment(task, self.people[str(AUTOBOT_ID)], at(5, 90), text=fill(ACK[lang], ctx), channel=channel)
            if rng.random() < 0.45:
                author = agent if rng.random() < 0.7 else rng.choice(self.agents)
                self.add_comment(task, author, at(600, 6 * 3600), text=fill(rng.choice(topic["note"][lang if rng.random() < 0.6 else "ru"]), ctx))
            if rng.random() < 0.3:
                escalated_at = at(300, 4 * 3600)
                if rng.random() < 0.5:
                    self.add_comment(task, agent, escalated_at, text=fill(rng.choice(NOTE_GENERIC["ru"]), ctx))
            files = [self.add_file(rng, True, lang, ctx) for w in att_where if w == "reply"]
            staff_reply(topic["reply"], files)
            if cat_mode == "update":
                upd = self.apply_updates(task, [{"id": base + 5, "value": {"item_ids": [cat_item["item_id"]]}}])
                self.add_comment(task, rng.choice(self.agents), at(60, 3600), field_updates=upd)
            last_external_staff = True
            for _ in range(2):
                if rng.random() >= 0.35:
                    break
                self.add_comment(task, req, at(3600, 86400), text=fill(rng.choice(FOLLOWUP[lang]), ctx), channel=channel)
                last_external_staff = False
                if rng.random() < 0.25:
                    self.add_comment(task, agent, at(600, 3 * 3600), text=fill(rng.choice(NOTE_GENERIC[lang]), ctx))
                if rng.random() < 0.8:
                    staff_reply(STAFF_FOLLOWUP)
                    last_external_staff = True
            if rng.random() < 0.72:
                if not last_external_staff or rng.random() < 0.5:
                    staff_reply(STAFF_FINAL if last_external_staff else topic["reply"])
                self.finish(rng, task, agent, at(300, 86400), topic, lang, ctx, base)
                if rng.random() < 0.08:
                    self.add_comment(task, req, at(86400, 5 * 86400), text=fill(rng.choice(REOPEN[lang]), ctx),
                                     channel=channel, action="reopened")
                    if rng.random() < 0.6:
                        staff_reply(topic["reply"])
                        self.finish(rng, task, agent, at(300, 86400), topic, lang, ctx, base)
        except Stop:
            pass
        end = parse_iso(task["close_date"]) if "close_date" in task else max(limit, created)
        if escalated_at is not None and escalated_at < end:
            task["steps"] = [{"step": 1, "name": "Первая линия", "elapsed_time": (escalated_at - created) * 1000},
                             {"step": 2, "name": "Вторая линия", "elapsed_time": (end - escalated_at) * 1000}]
            task["current_step"] = 2
        else:
            task["steps"] = [{"step": 1, "name": "Первая линия", "elapsed_time": (end - created) * 1000}]
        return task

    def finish(self, rng, task, agent, when, topic, lang, ctx, base):
        upd = None
        if rng.random() < 0.45:
            upd = self.apply_updates(task, [{"id": base + 4, "value": fill(rng.choice(topic["resolution"][lang]), ctx)}])
        text = FINISH_NOTE[lang] if rng.random() < 0.2 else None
        self.add_comment(task, agent, when, text=text, action="finished", field_updates=upd)

    def generate(self, ntickets, nforms, seed, anchor):
        rng = random.Random(seed)
        self.info = {"seed": seed, "tickets": ntickets, "forms": nforms, "anchor": iso(anchor)}
        self.build_forms(nforms)
        self.build_people(rng)
        start = anchor - 90 * 86400
        times = sorted(rng.randint(start, anchor - 3600) for _ in range(ntickets))
        form_ids = sorted(self.forms)
        for created in times:
            tid = self.next_id("task", rng) if self.counters["task"] >= FIRST_TASK_ID else self.next_id("task")
            self.gen_ticket(rng, tid, rng.choice(form_ids), created, anchor - 60)

    # ---- mutations (control) ----------------------------------------------------------------
    def ticket_parts(self, tid, rng):
        task, meta = self.tasks[tid], self.meta[tid]
        req = self.people[str(meta["requester"])]
        return task, meta, req, self.ctx(rng, tid, req), self.topic(meta)

    def requester_comment(self, tid, rng, now, text=None, action=None):
        task, meta, req, ctx, topic = self.ticket_parts(tid, rng)
        if text is None:
            text = fill(rng.choice(FOLLOWUP[meta["lang"]]), ctx)
        files = [self.add_file(rng, False, meta["lang"], ctx)] if rng.random() < 0.05 else None
        return self.add_comment(task, req, now, text=text, channel=meta["channel"], action=action, attachments=files)

    def mutate(self, seed, changes, new_tickets):
        rng = random.Random(seed)
        now = int(time.time())
        ids = sorted(self.tasks)
        changed, created = [], []
        for tid in sorted(rng.sample(ids, min(max(changes, 0), len(ids)))):
            task, meta, req, ctx, topic = self.ticket_parts(tid, rng)
            lang, base = meta["lang"], (task["form_id"] - 5001) * 100
            agent = self.people[str(task["responsible"]["id"])]
            if "close_date" in task:
                op = rng.choice(["reopen", "reopen", "reopen", "note", "category", "thanks"])
            else:
                op = rng.choice(["requester", "requester", "requester", "reply", "reply", "reply", "note", "note",
                                 "close", "close", "close", "category", "category", "attach"])
            if op in ("requester", "thanks"):
                self.requester_comment(tid, rng, now, text=fill(rng.choice((THANKS if op == "thanks" else FOLLOWUP)[lang]), ctx))
            elif op == "reopen":
                self.requester_comment(tid, rng, now, text=fill(rng.choice(REOPEN[lang]), ctx), action="reopened")
            elif op == "reply":
                txt, fmt = self.reply_text(rng, lang, topic["reply"], ctx)
                self.add_comment(task, agent, now, text=txt, formatted=fmt, channel=meta["channel"])
            elif op == "note":
                self.add_comment(task, rng.choice(self.agents), now, text=fill(rng.choice(topic["note"][lang]), ctx))
            elif op == "close":
                txt, fmt = self.reply_text(rng, lang, topic["reply"], ctx)
                self.add_comment(task, agent, now, text=txt, formatted=fmt, channel=meta["channel"])
                self.finish(rng, task, agent, now, topic, lang, ctx, base)
            elif op == "category":
                cat_id = 700 + (task["form_id"] - 5000)
                cur = self.task_field(task, base + 5).get("value", {}).get("item_id")
                choices = [it for it in self.catalogs[cat_id]["items"] if it["item_id"] != cur]
                upd = self.apply_updates(task, [{"id": base + 5, "value": {"item_ids": [rng.choice(choices)["item_id"]]}}])
                self.add_comment(task, rng.choice(self.agents), now, field_updates=upd)
            elif op == "attach":
                files = [self.add_file(rng, True, lang, ctx)]
                txt, fmt = self.reply_text(rng, lang, topic["reply"], ctx)
                self.add_comment(task, agent, now, text=txt, formatted=fmt, channel=meta["channel"], attachments=files)
            task["last_modified_date"] = iso(now)
            self.touch(tid)
            changed.append(tid)
        form_ids = sorted(self.forms)
        for _ in range(max(new_tickets, 0)):
            tid = self.next_id("task", rng)
            self.gen_ticket(rng, tid, rng.choice(form_ids), now, now, new=True)
            created.append(tid)
        return changed, created

    def delete(self, ids):
        gone = []
        for tid in ids:
            if isinstance(tid, int) and tid in self.tasks:
                del self.tasks[tid]
                self.meta.pop(tid, None)
                self.touch(tid)
                gone.append(tid)
        return gone

    # ---- persistence ------------------------------------------------------------------------
    def snapshot(self):
        return {"version": 1, "info": self.info, "login": self.login, "counters": self.counters,
                "forms": list(self.forms.values()), "catalogs": list(self.catalogs.values()),
                "people": list(self.people.values()), "files": self.files,
                "meta": {str(k): v for k, v in self.meta.items()},
                "tasks": [self.tasks[k] for k in sorted(self.tasks)], "posted": self.posted}

    def touch(self, tid):
        self._tcache.pop(tid, None)

    def save(self):
        """Writes the state file (temp file + rename). Unchanged tasks and posted entries are
        not serialized again: a save after one comment costs a few milliseconds, not a full dump."""
        if not self.state_file:
            return
        snap = self.snapshot()
        del snap["tasks"], snap["posted"]
        parts = []
        for k in sorted(self.tasks):
            b = self._tcache.get(k)
            if b is None:
                b = self._tcache[k] = jdump(self.tasks[k])
            parts.append(b)
        if len(self._pcache) > len(self.posted):
            self._pcache = []
        for rec in self.posted[len(self._pcache):]:
            self._pcache.append(jdump(rec))
        data = (jdump(snap)[:-1] + b',"tasks":[' + b",".join(parts) + b'],"posted":['
                + b",".join(self._pcache) + b"]}")
        tmp = f"{self.state_file}.tmp.{os.getpid()}.{threading.get_ident()}"
        with open(tmp, "wb") as f:
            f.write(data)
        os.replace(tmp, self.state_file)

    def load(self, path):
        with open(path, "rb") as f:
            s = json.loads(f.read().decode("utf-8"))
        self.info, self.login, self.counters = s["info"], s.get("login", self.login), s["counters"]
        self.forms = {f["id"]: f for f in s["forms"]}
        self.catalogs = {c["catalog_id"]: c for c in s["catalogs"]}
        self.people = {str(p["id"]): p for p in s["people"]}
        self.files = s["files"]
        self.meta = {int(k): v for k, v in s["meta"].items()}
        self.tasks = {t["id"]: t for t in s["tasks"]}
        self.posted = s.get("posted", [])
        self._index()


class ApiError(Exception):
    def __init__(self, status, code, message, headers=None):
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers or {}


# ---------------------------------------------------------------------------------------------
# The server: tokens, rate limit, faults, statistics
# ---------------------------------------------------------------------------------------------

class DropConnection(Exception):
    """Close the connection without an answer (a lost acknowledgement)."""


FAULT_KEYS = {"rate_429": float, "error_5xx": float, "slow_ms": int, "slow_rate": float,
              "malformed_json": float, "comment_post_fail": float, "comment_post_fail_after_apply": float,
              "comment_post_fail_after_apply_mode": str, "fail_task_ids": list}
KINDS = ("auth", "forms", "catalogs", "register", "task_get", "comment_post", "file_get", "other")


def truthy(v):
    if isinstance(v, bool):
        return v
    if isinstance(v, (int, float)):
        return v != 0
    return str(v).strip().lower() in ("y", "yes", "true", "1", "on")


class App:
    def __init__(self, world, args):
        self.world, self.args = world, args
        self.base = "http://127.0.0.1:0"
        self.tok_lock = threading.Lock()
        self.tokens = {}
        self.buckets = {}
        self.fault_lock = threading.Lock()
        self.faults = {}
        self.frng = random.Random(args.fault_seed)
        self.stats_lock = threading.Lock()
        self.reset_stats()

    # ---- statistics -------------------------------------------------------------------------
    def reset_stats(self):
        with self.stats_lock:
            self.stats = {"requests": {k: 0 for k in KINDS}, "statuses": {}, "by_kind": {k: {} for k in KINDS},
                          "sent_429": 0, "sent_5xx": 0, "control": 0,
                          "injected": {"rate_429": 0, "error_5xx": 0, "slow": 0, "malformed_json": 0,
                                       "comment_post_fail": 0, "comment_post_fail_after_apply": 0,
                                       "dropped": 0, "fail_task_ids": 0}}

    def count(self, kind, status, injected=None):
        with self.stats_lock:
            s = self.stats
            s["requests"][kind] += 1
            key = str(status)
            s["statuses"][key] = s["statuses"].get(key, 0) + 1
            s["by_kind"][kind][key] = s["by_kind"][kind].get(key, 0) + 1
            if status == 429:
                s["sent_429"] += 1
            if isinstance(status, int) and status >= 500:
                s["sent_5xx"] += 1
            if injected:
                s["injected"][injected] += 1

    # ---- tokens -----------------------------------------------------------------------------
    def issue_token(self, login):
        tok = secrets.token_urlsafe(32)
        with self.tok_lock:
            self.tokens[tok] = {"login": login, "expires": time.time() + self.args.token_ttl, "revoked": False}
        return tok

    def check_token(self, header):
        if not header or not header.startswith("Bearer "):
            raise ApiError(401, "invalid_token", "an Authorization: Bearer <token> header is required")
        tok = header[7:].strip()
        with self.tok_lock:
            t = self.tokens.get(tok)
            if t is None:
                raise ApiError(401, "invalid_token", "unknown access token")
            if t["revoked"] or time.time() >= t["expires"]:
                raise ApiError(401, "token_expired", "the access token has expired")
        return tok, t["login"]

    def expire_all(self):
        with self.tok_lock:
            for t in self.tokens.values():
                t["revoked"] = True

    # ---- rate limit -------------------------------------------------------------------------
    def bucket_key(self, token, login):
        return ("token:" + token) if self.args.rate_scope == "token" else ("user:" + login)

    def _window(self, dq, now):
        w = self.args.rate_window
        while dq and dq[0] <= now - w:
            dq.popleft()

    def _headers(self, dq, now):
        lim, w = self.args.rate_limit, self.args.rate_window
        reset = max(1, int(dq[0] + w - now + 0.999)) if dq else w
        return {"X-RateLimit-Limit": str(lim), "X-RateLimit-Remaining": str(max(0, lim - len(dq))),
                "X-RateLimit-Reset": str(reset)}

    def rate_peek(self, key):
        now = time.monotonic()
        with self.tok_lock:
            dq = self.buckets.get(key, deque())
            self._window(dq, now)
            return self._headers(dq, now)

    def rate_take(self, key):
        now = time.monotonic()
        with self.tok_lock:
            dq = self.buckets.setdefault(key, deque())
            self._window(dq, now)
            if len(dq) >= self.args.rate_limit:
                raise ApiError(429, "too_many_requests", "request limit reached, wait X-RateLimit-Reset seconds",
                               self._headers(dq, now))
            dq.append(now)
            return self._headers(dq, now)

    # ---- faults -----------------------------------------------------------------------------
    def set_faults(self, body):
        if not isinstance(body, dict):
            raise ApiError(400, "invalid_request", "faults: a JSON object")
        new = {}
        for k, v in body.items():
            if k in ("expire_tokens", "seed"):
                continue
            if k not in FAULT_KEYS:
                raise ApiError(400, "invalid_request", f"unknown fault {k!r}")
            try:
                new[k] = [int(x) for x in v] if FAULT_KEYS[k] is list else FAULT_KEYS[k](v)
            except (TypeError, ValueError):
                raise ApiError(400, "invalid_request", f"fault {k!r}: bad value {v!r}")
        if "slow_ms" in new and "slow_rate" not in new:
            new["slow_rate"] = 1.0
        only_expire = set(body) == {"expire_tokens"}
        with self.fault_lock:
            if not only_expire:  # {"expire_tokens": true} alone keeps the faults in force
                self.faults = new
            if "seed" in body:
                self.frng = random.Random(body["seed"])
        if truthy(body.get("expire_tokens", False)):
            self.expire_all()
        return new

    def draw(self, name):
        with self.fault_lock:
            p = self.faults.get(name, 0)
            return p > 0 and self.frng.random() < p

    def fault_value(self, name, default=None):
        with self.fault_lock:
            return self.faults.get(name, default)

    def choose(self, options):
        with self.fault_lock:
            return self.frng.choice(options)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # headers and body go out in separate writes: with Nagle's algorithm on, the body waits
    # for the client's delayed ACK (~40 ms per answer on loopback)
    disable_nagle_algorithm = True
    server_version = "PyrusStandin/1.0"

    def version_string(self):
        return self.server_version

    def log_message(self, fmt, *a):
        if self.server.app.args.verbose:
            sys.stderr.write("%s %s\n" % (self.address_string(), fmt % a))

    def do_GET(self):
        self.handle_any("GET")

    def do_POST(self):
        self.handle_any("POST")

    def do_PUT(self):
        self.handle_any("PUT")

    def do_DELETE(self):
        self.handle_any("DELETE")

    # ---- plumbing ---------------------------------------------------------------------------
    def read_body(self):
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            out = bytearray()
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    break
                out += self.rfile.read(size)
                self.rfile.readline()
                if len(out) > MAX_BODY:
                    raise ApiError(413, "request_too_large", "body too large")
            return bytes(out)
        n = int(self.headers.get("Content-Length") or 0)
        if n > MAX_BODY:
            self.close_connection = True
            raise ApiError(413, "request_too_large", "body too large")
        return self.rfile.read(n) if n > 0 else b""

    def send(self, status, body, ctype="application/json; charset=utf-8", headers=None):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def send_error_json(self, e, headers=None):
        h = dict(headers or {})
        h.update(e.headers)
        self.send(e.status, jdump({"error_code": e.code, "error": e.message}), headers=h)

    @staticmethod
    def json_body(raw, required=True):
        if not raw.strip():
            if required:
                raise ApiError(400, "invalid_request", "a JSON body is required")
            return {}
        try:
            obj = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as e:
            raise ApiError(400, "invalid_request", f"the body is not valid JSON: {e}")
        if not isinstance(obj, dict):
            raise ApiError(400, "invalid_request", "the body must be a JSON object")
        return obj

    def route(self, method, path):
        """(kind, function, argument, allowed methods) for an API path, or None."""
        m = re.fullmatch(r"/(?:api/)?v4(/[^?]*?)/?", path)
        if path == "/files/services/attachment":
            return "file_get", self.h_file, None, ("GET",)
        if not m:
            return None
        sub = m.group(1)
        table = [
            (r"/auth", "auth", self.h_auth, ("POST",)),
            (r"/forms", "forms", self.h_forms, ("GET",)),
            (r"/forms/(\d+)", "forms", self.h_form, ("GET",)),
            (r"/forms/(\d+)/register", "register", self.h_register, ("GET", "POST")),
            (r"/catalogs/(\d+)", "catalogs", self.h_catalog, ("GET",)),
            (r"/tasks/(\d+)", "task_get", self.h_task, ("GET",)),
            (r"/tasks/(\d+)/comments", "comment_post", self.h_comment, ("POST",)),
            (r"/files/download/(\d+)", "file_get", self.h_file, ("GET",)),
        ]
        for rx, kind, fn, methods in table:
            mm = re.fullmatch(rx, sub)
            if mm:
                return kind, fn, (int(mm.group(1)) if mm.groups() else None), methods
        return None

    def handle_any(self, method):
        app = self.server.app
        u = urllib.parse.urlsplit(self.path)
        self.query = urllib.parse.parse_qs(u.query, keep_blank_values=True)
        try:
            self.raw = self.read_body()
        except (ApiError, ValueError) as e:
            if not isinstance(e, ApiError):
                e = ApiError(400, "invalid_request", "bad request framing")
            self.close_connection = True
            self.send_error_json(e)
            return
        if u.path == "/_control" or u.path.startswith("/_control/"):
            with app.stats_lock:
                app.stats["control"] += 1
            try:
                status, body = self.control(method, u.path)
                self.send(status, jdump(body))
            except ApiError as e:
                self.send_error_json(e)
            return
        r = self.route(method, u.path)
        if r is None:
            app.count("other", 404)
            self.send_error_json(ApiError(404, "not_found", f"no such method: {u.path}"))
            return
        kind, fn, arg, methods = r
        self.kind, self.injected = kind, None
        default_key = "user:" + app.world.login
        rl = {}
        try:
            if method not in methods:
                raise ApiError(405, "method_not_allowed", f"{method} is not allowed here")
            if kind == "auth":
                rl = app.rate_peek(default_key)
                self.login_key = None
            else:
                try:
                    tok, login = app.check_token(self.headers.get("Authorization"))
                except ApiError:
                    rl = app.rate_peek(default_key)
                    raise
                key = app.bucket_key(tok, login)
                try:
                    rl = app.rate_take(key)
                except ApiError as e:
                    rl = e.headers
                    raise
            self.inject_before(kind)
            status, ctype, body, extra = fn(method, arg)
            if status == 200 and ctype.startswith("application/json") and app.draw("malformed_json"):
                self.injected = "malformed_json"
                body = body[:max(1, len(body) // 2)]
            h = dict(rl)
            h.update(extra or {})
            self.send(status, body, ctype, h)
            app.count(kind, status, self.injected)
        except _Sent:
            pass
        except DropConnection:
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            app.count(kind, "dropped", self.injected)
            with app.stats_lock:
                app.stats["injected"]["dropped"] += 1
        except ApiError as e:
            self.send_error_json(e, rl)
            app.count(kind, e.status, self.injected)

    def inject_before(self, kind):
        app = self.server.app
        if app.draw("rate_429"):
            self.injected = "rate_429"
            raise ApiError(429, "too_many_requests", "request limit reached (injected)",
                           {"X-RateLimit-Limit": str(app.args.rate_limit), "X-RateLimit-Remaining": "0",
                            "X-RateLimit-Reset": "1"})
        if app.draw("error_5xx"):
            self.injected = "error_5xx"
            status = app.choose([500, 502, 503])
            if status == 502:
                body = b"<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>\n"
                self.send(502, body, "text/html")
                app.count(kind, 502, "error_5xx")
                raise _Sent()
            raise ApiError(status, "server_error" if status == 500 else "service_unavailable",
                           "internal error (injected)")
        if app.draw("slow_rate"):
            self.injected = "slow"
            time.sleep(app.fault_value("slow_ms", 0) / 1000.0)

    def handle_one_request(self):
        try:
            super().handle_one_request()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    # ---- API methods: each returns (status, content type, body bytes, extra headers) ----------
    def ok(self, obj):
        return 200, "application/json; charset=utf-8", jdump(obj), None

    def h_auth(self, method, _):
        app = self.server.app
        body = self.json_body(self.raw)
        login, key = body.get("login"), body.get("security_key")
        if not isinstance(login, str) or not isinstance(key, str) or not login or not key:
            raise ApiError(400, "invalid_request", "login and security_key are required")
        if not (hmac.compare_digest(login.encode(), app.args.login.encode())
                and hmac.compare_digest(key.encode(), app.args.security_key.encode())):
            raise ApiError(app.args.auth_fail_status, "invalid_credentials", "wrong login or security key")
        tok = app.issue_token(login)
        return self.ok({"access_token": tok, "api_url": app.base + "/api/v4/", "files_url": app.base + "/files/"})

    def h_forms(self, method, _):
        w = self.server.app.world
        with w.lock:
            return self.ok({"forms": [w.forms[k] for k in sorted(w.forms)]})

    def h_form(self, method, form_id):
        w = self.server.app.world
        with w.lock:
            if form_id not in w.forms:
                raise ApiError(404, "form_not_found", f"form {form_id} not found")
            return self.ok(w.forms[form_id])

    def h_catalog(self, method, cat_id):
        w = self.server.app.world
        with w.lock:
            if cat_id not in w.catalogs:
                raise ApiError(404, "catalog_not_found", f"catalog {cat_id} not found")
            return self.ok(w.catalogs[cat_id])

    def h_task(self, method, task_id):
        app = self.server.app
        if task_id in (app.fault_value("fail_task_ids") or []):
            self.injected = "fail_task_ids"
            raise ApiError(500, "server_error", "internal error (injected for this task)")
        with app.world.lock:
            t = app.world.tasks.get(task_id)
            if t is None:
                raise ApiError(404, "task_not_found", f"task {task_id} not found")
            return self.ok({"task": render_task(app, t, True)})

    def h_file(self, method, file_id):
        app = self.server.app
        if file_id is None:
            ids = self.query.get("Id") or self.query.get("id")
            if not ids or not ids[-1].isdigit():
                raise ApiError(400, "invalid_request", "Id is required")
            file_id = int(ids[-1])
        with app.world.lock:
            f = app.world.files.get(str(file_id))
            if f is None:
                raise ApiError(404, "file_not_found", f"file {file_id} not found")
            data, name, ctype = f["text"].encode("utf-8"), f["name"], f["ctype"]
        fallback = "".join(ch if 32 <= ord(ch) < 127 and ch not in '"\\' else "_" for ch in name)
        disp = f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{urllib.parse.quote(name, safe='')}"
        return 200, ctype, data, {"Content-Disposition": disp}

    def h_register(self, method, form_id):
        app = self.server.app
        w = app.world
        if method == "POST":
            params = self.json_body(self.raw, required=False)
        else:
            params = {k: v[-1] for k, v in self.query.items()}
        try:
            filt = RegisterFilter(params)
        except ValueError as e:
            raise ApiError(400, "invalid_filter", str(e))
        with w.lock:
            if form_id not in w.forms:
                raise ApiError(404, "form_not_found", f"form {form_id} not found")
            archived = filt.include_archived or app.args.register_closed == "include"
            rows = [t for t in w.tasks.values() if t["form_id"] == form_id
                    and (archived or "close_date" not in t) and filt.match(w, t)]
            rows.sort(key=lambda t: t["id"], reverse=(filt.sort != "tsk"))
            rows = rows[:filt.item_count]
            out = [filt.trim(render_task(app, t, False)) for t in rows]
            return self.ok({"tasks": out})

    def h_comment(self, method, task_id):
        app = self.server.app
        w = app.world
        now = int(time.time())
        hdrs = {k.lower(): v for k, v in self.headers.items()
                if k.lower() in ("content-type", "user-agent", "x-request-id", "idempotency-key")}
        try:
            body = self.json_body(self.raw)
        except ApiError as e:
            with w.lock:
                w.posted.append({"task_id": task_id, "body": self.raw.decode("utf-8", "replace"), "headers": hdrs,
                                 "time": iso(now), "applied": False, "status": e.status, "error_code": e.code})
            raise
        rec = {"task_id": task_id, "body": body, "headers": hdrs, "time": iso(now), "applied": False}
        if app.draw("comment_post_fail"):
            self.injected = "comment_post_fail"
            rec.update(status=503, fault="comment_post_fail")
            with w.lock:
                w.posted.append(rec)
                w.save()
            raise ApiError(503, "service_unavailable", "temporarily unavailable (injected)")
        with w.lock:
            try:
                comment = apply_comment(w, task_id, body, now)
            except ApiError as e:
                rec.update(status=e.status, error_code=e.code)
                w.posted.append(rec)
                w.save()
                raise
            rec.update(applied=True, status=200, comment_id=comment["id"])
            after = app.draw("comment_post_fail_after_apply")
            if after:
                mode = app.fault_value("comment_post_fail_after_apply_mode", "mixed")
                if mode not in ("503", "drop"):
                    mode = app.choose(["503", "drop"])
                rec.update(status=503 if mode == "503" else "dropped", fault="comment_post_fail_after_apply")
            w.posted.append(rec)
            w.save()
            payload = jdump({"task": render_task(app, w.tasks[task_id], True)})
        if after:
            self.injected = "comment_post_fail_after_apply"
            if mode == "drop":
                raise DropConnection()
            raise ApiError(503, "service_unavailable", "temporarily unavailable (injected after the comment was saved)")
        return 200, "application/json; charset=utf-8", payload, None

    # ---- control endpoints -------------------------------------------------------------------
    def control(self, method, path):
        app = self.server.app
        w = app.world
        name = path[len("/_control/"):].strip("/")
        if name == "health" and method == "GET":
            with w.lock:
                return 200, {"ok": True, "tasks": len(w.tasks), "base": app.base}
        if name == "dump" and method == "GET":
            ids = None
            if self.query.get("ids"):
                ids = {int(x) for x in self.query["ids"][-1].split(",") if x.strip().isdigit()}
            with w.lock:
                tasks = [render_task(app, w.tasks[k], True) for k in sorted(w.tasks) if ids is None or k in ids]
                return 200, {"tasks": tasks, "catalogs": {str(k): v for k, v in w.catalogs.items()},
                             "forms": [w.forms[k] for k in sorted(w.forms)],
                             "agents": [World.person(p) for p in w.agents],
                             "bot": World.person(w.people[str(BOT_ID)]),
                             "meta": {str(k): w.meta[k] for k in sorted(w.meta) if ids is None or k in ids},
                             "info": w.info, "counters": w.counters}
        if name == "mutate" and method == "POST":
            body = self.json_body(self.raw, required=False)
            try:
                seed = body.get("seed", 0)
                changes, new = int(body.get("changes", 0)), int(body.get("new_tickets", 0))
            except (TypeError, ValueError):
                raise ApiError(400, "invalid_request", "changes and new_tickets are integers")
            dels = body.get("delete", [])
            if not isinstance(dels, list):
                raise ApiError(400, "invalid_request", "delete is a list of task ids")
            with w.lock:
                deleted = w.delete(dels)
                changed, created = w.mutate(seed, changes, new)
                w.save()
            return 200, {"changed": changed, "created": created, "deleted": deleted}
        if name == "new_comment" and method == "POST":
            body = self.json_body(self.raw)
            tid = body.get("task_id")
            with w.lock:
                if tid not in w.tasks:
                    raise ApiError(404, "task_not_found", f"task {tid!r} not found")
                rng = random.Random(body.get("seed", f"{tid}:{len(w.tasks[tid]['comments'])}"))
                text = body.get("text")
                c = w.requester_comment(tid, rng, int(time.time()), text=text if isinstance(text, str) else None,
                                        action="reopened" if truthy(body.get("reopen", False)) and "close_date" in w.tasks[tid] else None)
                w.save()
                return 200, {"task": render_task(app, w.tasks[tid], True), "comment": c}
        if name == "faults":
            if method == "POST":
                return 200, {"faults": app.set_faults(self.json_body(self.raw, required=False))}
            with app.fault_lock:
                return 200, {"faults": dict(app.faults)}
        if name == "posted" and method == "GET":
            with w.lock:
                return 200, {"posted": list(w.posted)}
        if name == "stats" and method == "GET":
            with app.stats_lock:
                return 200, json.loads(json.dumps(app.stats))
        if name == "token" and method == "POST":
            return 200, {"access_token": app.issue_token(app.args.login)}
        if name == "reset" and method == "POST":
            body = self.json_body(self.raw, required=False)
            if truthy(body.get("stats", True)):
                app.reset_stats()
            if truthy(body.get("posted", False)):
                with w.lock:
                    w.posted = []
                    w._pcache = []
                    w.save()
            if truthy(body.get("rate", False)):
                with app.tok_lock:
                    app.buckets.clear()
            return 200, {"ok": True}
        raise ApiError(404, "not_found", f"no control endpoint {method} {path}")


class _Sent(Exception):
    """The answer went out already (an injected non-JSON error)."""


def render_task(app, t, with_comments):
    base = app.base + "/files/services/attachment?Id="

    def att(lst):
        return [dict(a, url=f"{base}{a['id']}") for a in lst]
    out = dict(t)
    out["attachments"] = att(t.get("attachments", []))
    if with_comments:
        cs = []
        for c in t["comments"]:
            if "attachments" in c:
                c = dict(c, attachments=att(c["attachments"]))
            cs.append(c)
        out["comments"] = cs
    else:
        out.pop("comments", None)
    return out


def apply_comment(w, task_id, body, now):
    """POST /tasks/{id}/comments under the world lock; returns the new (or edited) comment."""
    task = w.tasks.get(task_id)
    if task is None:
        raise ApiError(404, "task_not_found", f"task {task_id} not found")
    text, ftext = body.get("text"), body.get("formatted_text")
    if text is not None and ftext is not None:
        raise ApiError(400, "both_text_and_formatted_text_specified", "send text or formatted_text, not both")
    for k, v in (("text", text), ("formatted_text", ftext)):
        if v is not None and not isinstance(v, str):
            raise ApiError(400, "invalid_request", f"{k} must be a string")
    channel = body.get("channel")
    if channel is not None and not (isinstance(channel, dict) and isinstance(channel.get("type"), str)):
        raise ApiError(400, "invalid_channel", "channel is an object with a type")
    action = body.get("action")
    if action is not None and action not in ("finished", "reopened"):
        raise ApiError(400, "invalid_action", "action is finished or reopened")
    updates = body.get("field_updates")
    plain = re.sub(r"<[^>]+>", "", ftext).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&") if ftext else None
    edit = body.get("edit_comment_id")
    if edit is not None:
        c = next((c for c in task["comments"] if c["id"] == edit), None) if isinstance(edit, int) else None
        if c is None:
            raise ApiError(404, "comment_not_found", f"task {task_id} has no comment {edit!r}")
        if c["author"]["id"] != BOT_ID:
            raise ApiError(403, "access_denied", "only the bot's own comments can be edited")
        if action is not None:
            raise ApiError(400, "invalid_action", "an edit cannot finish or reopen the task")
        upd = w.apply_updates(task, updates) if updates else None
        if ftext is not None:
            c["formatted_text"], c["text"] = ftext, plain
        elif text is not None:
            c["text"] = text
            c.pop("formatted_text", None)
        if upd:
            c["field_updates"] = upd
        task["last_modified_date"] = iso(now)
        w.touch(task_id)
        return c
    if not (text or ftext or updates or action):
        raise ApiError(400, "empty_comment", "nothing to add: no text, formatted_text, field_updates or action")
    upd = w.apply_updates(task, updates) if updates else None
    return w.add_comment(task, w.people[str(BOT_ID)], now, text=plain if ftext else text,
                         formatted=ftext, channel=channel and channel.get("type"), action=action, field_updates=upd)


class RegisterFilter:
    DATES = {"modified_after": ("last_modified_date", ">="), "modified_before": ("last_modified_date", "<"),
             "created_after": ("create_date", ">="), "created_before": ("create_date", "<"),
             "closed_after": ("close_date", ">="), "closed_before": ("close_date", "<")}

    def __init__(self, p):
        self.include_archived = truthy(p.get("include_archived", False))
        try:
            self.item_count = int(p.get("item_count", MAX_ITEM_COUNT))
        except (TypeError, ValueError):
            raise ValueError("item_count must be an integer")
        if self.item_count <= 0:
            raise ValueError("item_count must be positive")
        self.item_count = min(self.item_count, MAX_ITEM_COUNT)
        self.sort = p.get("sort")
        if self.sort not in (None, "", "tsk"):
            raise ValueError(f"unknown sort {self.sort!r}")
        self.dates = []
        for name, (attr, op) in self.DATES.items():
            if name in p and p[name] not in (None, ""):
                v = str(p[name])
                try:
                    parse_iso(v)
                except ValueError:
                    raise ValueError(f"{name}: expected YYYY-MM-DDThh:mm:ssZ, got {v!r}")
                if len(v) != 20:
                    raise ValueError(f"{name}: expected YYYY-MM-DDThh:mm:ssZ, got {v!r}")
                self.dates.append((attr, op, v))
        self.id_test = None
        if p.get("id") not in (None, ""):
            self.id_test = self.number_test(str(p["id"]), "id")
        fids = p.get("field_ids")
        self.field_ids = None
        if fids not in (None, ""):
            if isinstance(fids, list):
                self.field_ids = {int(x) for x in fids}
            else:
                self.field_ids = {int(x) for x in str(fids).split(",") if x.strip()}
        self.fields = []
        for k, v in p.items():
            m = re.fullmatch(r"fld(\d+)", k)
            if m:
                self.fields.append((int(m.group(1)), str(v) if not isinstance(v, list) else ",".join(map(str, v))))

    @staticmethod
    def number_test(s, what):
        try:
            if s.startswith("gt"):
                n = int(s[2:])
                return lambda x: x > n
            if s.startswith("lt"):
                n = int(s[2:])
                return lambda x: x < n
            ns = {int(x) for x in s.split(",")}
            return lambda x: x in ns
        except ValueError:
            raise ValueError(f"{what}: expected gt{{N}}, lt{{N}}, N or N,M,...; got {s!r}")

    @staticmethod
    def scalars(f):
        v = f.get("value")
        if v is None:
            return []
        if f["type"] == "catalog":
            return [str(i) for i in v.get("item_ids", [])]
        if f["type"] == "multiple_choice":
            return [str(i) for i in v.get("choice_ids", [])]
        if isinstance(v, (str, int, float)):
            return [str(v)]
        return []

    def match(self, w, t):
        if self.id_test and not self.id_test(t["id"]):
            return False
        for attr, op, v in self.dates:
            have = t.get(attr)
            if have is None or (have < v if op == ">=" else have >= v):
                return False
        for fid, cond in self.fields:
            f = w.task_field(t, fid)
            vals = self.scalars(f) if f else []
            if cond == "empty":
                ok = not vals
            elif cond == "*":
                ok = bool(vals)
            elif cond[:2] in ("gt", "lt"):
                ref = cond[2:]

                def cmp(a):
                    try:
                        x, y = float(a), float(ref)
                    except ValueError:
                        x, y = a, ref
                    return x > y if cond[:2] == "gt" else x < y
                ok = any(cmp(a) for a in vals)
            else:
                ok = bool(set(vals) & set(cond.split(",")))
            if not ok:
                return False
        return True

    def trim(self, t):
        if self.field_ids is None:
            return t
        out = []
        for f in t["fields"]:
            if f["id"] in self.field_ids:
                out.append(f)
            elif f["type"] == "title":
                nested = [n for n in f.get("value", {}).get("fields", []) if n["id"] in self.field_ids]
                if nested:
                    out.append(dict(f, value={"fields": nested}))
        return dict(t, fields=out)


# ---------------------------------------------------------------------------------------------
# Bot webhook sender
# ---------------------------------------------------------------------------------------------

def send_webhooks(argv):
    ap = argparse.ArgumentParser(prog="pyrus_standin.py send-webhooks",
                                 description="Deliver signed Pyrus bot events to a webhook receiver.")
    ap.add_argument("--url", required=True, help="the receiver, e.g. http://127.0.0.1:PORT/hooks/pyrus")
    ap.add_argument("--secret", required=True, help="the bot's security key (HMAC-SHA1 key)")
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--from", dest="from_url", help="base URL of a running stand-in (events get real new comments)")
    src.add_argument("--state", help="a stand-in state file (offline: new comments are made up, not stored)")
    ap.add_argument("--events", type=int, default=10)
    ap.add_argument("--dup-rate", type=float, default=0.2, help="share of events delivered twice (X-Pyrus-Retry: 2/3)")
    ap.add_argument("--forge-rate", type=float, default=0.05, help="share of events preceded by a forged delivery")
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument("--out", help="JSONL file: one line per delivery attempt")
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--retry-delay", type=float, default=0.2, help="seconds between attempts (Pyrus: 61 s, 122 s)")
    ap.add_argument("--attempts", type=int, default=3)
    ap.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for an answer (Pyrus: 60)")
    ap.add_argument("--last-comment-only", action="store_true", help="task.comments holds only the last comment")
    ap.add_argument("--bot-settings", default="")
    ap.add_argument("--sig-prefix", default="", help='e.g. "sha1=" before the hex signature')
    a = ap.parse_args(argv)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    rng = random.Random(a.seed)

    def control(path, obj=None):
        data = None if obj is None else jdump(obj)
        req = urllib.request.Request(a.from_url.rstrip("/") + path, data=data, method="GET" if obj is None else "POST",
                                     headers={"Content-Type": "application/json"})
        with opener.open(req, timeout=60) as r:
            return json.loads(r.read().decode("utf-8"))

    if a.from_url:
        ids = [t["id"] for t in control("/_control/dump")["tasks"]]
        token = control("/_control/token", {})["access_token"]
        offline = None
    else:
        with open(a.state, "rb") as f:
            st = json.loads(f.read().decode("utf-8"))
        offline = {t["id"]: t for t in st["tasks"]}
        people = {p["id"]: p for p in st["people"]}
        meta = {int(k): v for k, v in st["meta"].items()}
        next_comment = [st["counters"]["comment"]]
        ids = sorted(offline)
        token = "offline-" + secrets.token_hex(16)
    if not ids:
        print(json.dumps({"error": "the stand-in has no tasks"}), flush=True)
        return 2

    events = []
    for _ in range(a.events):
        tid = rng.choice(ids)
        if offline is None:
            task = control("/_control/new_comment", {"task_id": tid, "seed": rng.randrange(1 << 30)})["task"]
        else:
            task = json.loads(json.dumps(offline[tid]))
            m = meta.get(tid, {})
            req = people.get(m.get("requester"), task["author"])
            next_comment[0] += 1
            lang = m.get("lang", "ru")
            task["comments"].append({"id": next_comment[0], "create_date": iso(time.time()),
                                     "author": World.person(req), "text": rng.choice(FOLLOWUP[lang]).replace("{code}", "0x80070005"),
                                     "channel": {"type": m.get("channel", "email")}})
            task["last_note_id"] = next_comment[0]
            task["last_modified_date"] = iso(time.time())
            offline[tid] = task
        if a.last_comment_only:
            task = dict(task, comments=task["comments"][-1:])
        event = {"event": "comment", "access_token": token, "task_id": tid, "user_id": BOT_ID,
                 "bot_settings": a.bot_settings, "task": task}
        body = jdump(event)
        forged = None
        if rng.random() < a.forge_rate:
            forged = rng.choice(["tampered", "wrong_key", "missing"])
        events.append({"task_id": tid, "last_comment_id": task["comments"][-1]["id"], "body": body,
                       "dup": rng.random() < a.dup_rate, "forged": forged, "forged_body": jdump(dict(event, bot_settings="x"))})

    def sign(body, key):
        return a.sig_prefix + hmac.new(key.encode("utf-8"), body, hashlib.sha1).hexdigest()

    def post(body, sig, attempt):
        headers = {"Content-Type": "application/json", "User-Agent": "Pyrus-Bot-4",
                   "X-Pyrus-Retry": f"{attempt}/{a.attempts}"}
        if sig is not None:
            headers["X-Pyrus-Sig"] = sig
        req = urllib.request.Request(a.url, data=body, method="POST", headers=headers)
        t0 = time.monotonic()
        try:
            with opener.open(req, timeout=a.timeout) as r:
                r.read()
                status = r.status
        except urllib.error.HTTPError as e:
            status = e.code
            try:
                e.read()
            except OSError:
                pass
        except (socket.timeout, TimeoutError):
            status = "timeout"
        except (urllib.error.URLError, OSError) as e:
            status = "timeout" if "timed out" in str(e) else "error"
        return status, round((time.monotonic() - t0) * 1000, 1)

    out_lock = threading.Lock()
    out = open(a.out, "w", encoding="utf-8") if a.out else None
    records = []

    def record(ev, attempt, forged, dup, status, lat):
        rec = {"task_id": ev["task_id"], "last_comment_id": ev["last_comment_id"], "attempt": attempt,
               "forged": bool(forged), "dup": dup, "status": status, "latency_ms": lat}
        if forged:
            rec["forge_kind"] = forged
        with out_lock:
            records.append(rec)
            if out:
                out.write(json.dumps(rec, ensure_ascii=False) + "\n")
                out.flush()

    def deliver(ev):
        good_sig = sign(ev["body"], a.secret)
        if ev["forged"]:
            kind = ev["forged"]
            if kind == "tampered":        # another body under the genuine signature
                st, lat = post(ev["forged_body"], good_sig, 1)
            elif kind == "wrong_key":
                st, lat = post(ev["body"], sign(ev["body"], a.secret + "-forged"), 1)
            else:
                st, lat = post(ev["body"], None, 1)
            record(ev, 1, kind, False, st, lat)
        delivered = False
        for attempt in range(1, a.attempts + 1):
            st, lat = post(ev["body"], good_sig, attempt)
            record(ev, attempt, None, False, st, lat)
            if isinstance(st, int) and 200 <= st < 300:
                delivered = True
                break
            if attempt < a.attempts:
                time.sleep(a.retry_delay)
        if delivered and ev["dup"]:
            st, lat = post(ev["body"], good_sig, 2)
            record(ev, 2, None, True, st, lat)
        return delivered

    with ThreadPoolExecutor(max_workers=max(1, a.concurrency)) as pool:
        results = list(pool.map(deliver, events))
    if out:
        out.close()
    statuses = {}
    for r in records:
        statuses[str(r["status"])] = statuses.get(str(r["status"]), 0) + 1
    forged = [r for r in records if r["forged"]]
    summary = {"events": len(events), "attempts": len(records), "statuses": statuses,
               "max_latency_ms": max((r["latency_ms"] for r in records), default=0),
               "delivered": sum(results), "undelivered": len(results) - sum(results),
               "dups_sent": sum(1 for r in records if r["dup"]),
               "forged_sent": len(forged), "forged_rejected_401": sum(1 for r in forged if r["status"] == 401),
               "forged_accepted": sum(1 for r in forged if isinstance(r["status"], int) and 200 <= r["status"] < 300)}
    print(json.dumps(summary, ensure_ascii=False), flush=True)
    return 0


# ---------------------------------------------------------------------------------------------
# main
# ---------------------------------------------------------------------------------------------

class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128


def main(argv):
    if argv and argv[0] == "send-webhooks":
        return send_webhooks(argv[1:])
    ap = argparse.ArgumentParser(description="A Pyrus API v4 stand-in for sufler's tests (127.0.0.1 only).")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--tickets", type=int, default=2000)
    ap.add_argument("--forms", type=int, default=2)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--anchor", help="end of the generated history, YYYY-MM-DDThh:mm:ssZ (default: today 00:00 UTC)")
    ap.add_argument("--state", help="JSON file holding the world; loaded at start when present, rewritten after every change")
    ap.add_argument("--login", default="bot@test")
    ap.add_argument("--security-key", default="KEY")
    ap.add_argument("--token-ttl", type=float, default=600)
    ap.add_argument("--rate-limit", type=int, default=5000)
    ap.add_argument("--rate-window", type=float, default=600, help="seconds of the sliding window")
    ap.add_argument("--rate-scope", choices=("user", "token"), default="user")
    ap.add_argument("--auth-fail-status", type=int, choices=(400, 401), default=401)
    ap.add_argument("--register-closed", choices=("archived", "include"), default="archived",
                    help="archived: closed tasks only with include_archived=y; include: always")
    ap.add_argument("--fault-seed", type=int, default=1)
    ap.add_argument("--verbose", action="store_true", help="log requests to stderr")
    args = ap.parse_args(argv)
    if args.forms < 1 or args.tickets < 0:
        ap.error("--forms must be >= 1 and --tickets >= 0")

    world = World()
    world.login = args.login
    if args.state and os.path.exists(args.state):
        world.load(args.state)
        world.people[str(BOT_ID)]["email"] = args.login
    else:
        anchor = parse_iso(args.anchor) if args.anchor else int(time.time()) // 86400 * 86400
        world.generate(args.tickets, args.forms, args.seed, anchor)
    world.state_file = args.state
    world.save()

    app = App(world, args)
    server = Server(("127.0.0.1", args.port), Handler)
    server.app = app
    app.base = f"http://127.0.0.1:{server.server_address[1]}"

    def stop(signum, frame):
        threading.Thread(target=server.shutdown, daemon=True).start()
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(f"listening on {app.base}", flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
