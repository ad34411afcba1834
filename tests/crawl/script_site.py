"""A town's site whose column lists are drawn by the page's own scripts, one flavour per column, as real
county sites build them: records written in the page and looped into the DOM, an avalon-style `ms-for`
template filled from a TRS-like JSON search API, a 大汉-style XML dataproxy answer written into the list, a
template whose API answers 500, and one plain static list."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from ..servers import send

SITE = "/xzjd/bhz/"
# The site's dates hang on a fixed moment; the tests crawl it under tests.clock.frozen_at(MOMENT).
MOMENT = datetime.fromisoformat("2026-01-05T10:00:00+08:00")  # a Monday: 2025's dates close by
TODAY = MOMENT.date()


def page(title: str, body: str) -> str:
    return (f'<html><head><meta charset="utf-8"><title>{title}</title></head><body>'
            f'<div class="nav"><ul><li><a href="/">首页</a></li></ul></div>{body}</body></html>')


def records(column: str, titles: list[tuple[str, int]]) -> list[dict[str, str]]:
    """(title, days ago) → records as the sites' scripts hold them: title, article URL, date."""
    return [{"title": title, "url": f"{SITE}{column}/t{i}.html", "date": (TODAY - timedelta(days=ago)).isoformat()}
            for i, (title, ago) in enumerate(titles, start=1)]


NEWS = records("gzdt", [("白鹤镇召开防汛工作部署会", 0), ("白鹤镇开展森林防火宣传", 3), ("白鹤镇推进人居环境整治", 10)])
NOTICES = records("tzgg", [("关于开展2025年度农村低保复核的通知", 2), ("关于白鹤镇集镇停水的公告", 40)])
POLICIES = records("zcwj", [("白鹤镇农村建房管理办法", 20), ("白鹤镇防汛应急预案", 75), ("白鹤镇河长制工作方案", 150),
                             ("白鹤镇村规民约指导意见", 160)])
PLANS = records("ghjh", [("白鹤镇2025年工作要点", 30)])

# 工作动态: the records are written in the page; a loop writes them into the list.
INLINE_ARRAY = page("工作动态", """<div class="list"><ul id="news-list"></ul></div>
<script>
var list = @RECORDS@;
var ul = document.getElementById("news-list");
for (var i = 0; i < list.length; i++) {
  var li = document.createElement("li");
  li.innerHTML = '<a href="' + list[i].url + '">' + list[i].title + '</a><span>' + list[i].date + '</span>';
  ul.appendChild(li);
}
</script>""".replace("@RECORDS@", json.dumps(NEWS, ensure_ascii=False)))


def template_list(title: str, api: str) -> str:
    """avalon-style: an `ms-for` row with {{el.…}} placeholders, filled from the column's search API."""
    return page(title, """<div class="list" ms-controller="list"><ul>
<li ms-for="el in list"><a href="{{el.url}}" title="{{el.title}}">{{el.title}}</a><span>{{el.date}}</span></li>
</ul><div ms-visible="error" style="display:none">暂无数据</div></div>
<script>
fetch("@API@").then(function (r) {
  if (!r.ok) { throw new Error("search api answered " + r.status); }
  return r.json();
}).then(function (answer) {
  var row = document.querySelector("[ms-for]"), ul = row.parentNode;
  ul.removeChild(row);
  answer.datas.forEach(function (el) {
    var li = row.cloneNode(true);
    li.removeAttribute("ms-for");
    li.innerHTML = li.innerHTML.replace(/\\{\\{el\\.(\\w+)\\}\\}/g, function (m, key) { return el[key]; });
    ul.appendChild(li);
  });
});
</script>""".replace("@API@", api))


# 政策文件: jpage-less 大汉 template: the script posts to dataproxy.jsp and writes the XML records into the list.
DATAPROXY_LIST = page("政策文件", """<div class="list"><ul id="proxy-list"></ul></div>
<script>
var xhr = new XMLHttpRequest();
xhr.open("POST", "/module/web/jpage/dataproxy.jsp?startrecord=1&endrecord=45&perpage=15");
xhr.setRequestHeader("Content-Type", "application/x-www-form-urlencoded");
xhr.onload = function () {
  var found = xhr.responseXML.getElementsByTagName("record"), html = "";
  for (var i = 0; i < found.length; i++) { html += found[i].textContent; }
  document.getElementById("proxy-list").innerHTML = html;
};
xhr.send("col=1&webid=1&path=/&columnid=3011&unitid=4012&permissiontype=0");
</script>""")


# 财政信息: nothing published; the script says so when the API answers an empty list (what a person reads).
EMPTY_NOTE = "本栏目暂无相关财政预决算信息发布"
SCRIPTED_NOTE = page("财政信息", """<div class="list"><ul id="fin-list"></ul></div>
<script>
fetch("/xzjd/bhz/czxx/search?channelid=14").then(function (r) { return r.json(); }).then(function (answer) {
  var box = document.getElementById("fin-list");
  if (!answer.datas.length) { box.innerHTML = "<li class='empty'>@NOTE@</li>"; }
});
</script>""".replace("@NOTE@", EMPTY_NOTE))


def dataproxy_answer(handler: Any) -> None:
    rows = "".join(f'<record><![CDATA[<li><a href="{r["url"]}">{r["title"]}</a><span>{r["date"]}</span></li>]]>'
                   "</record>" for r in POLICIES)
    body = (f'<?xml version="1.0" encoding="UTF-8"?><datastore><totalrecord>{len(POLICIES)}</totalrecord>'
            f"<recordset>{rows}</recordset></datastore>")
    send(handler, 200, body, content_type="text/xml; charset=utf-8")


def search_answer(found: list[dict[str, str]]) -> Any:
    body = json.dumps({"total": len(found), "datas": found}, ensure_ascii=False)
    return lambda handler: send(handler, 200, body, content_type="application/json; charset=utf-8")


def broken_api(handler: Any) -> None:
    send(handler, 500, "<html><body>java.lang.NullPointerException</body></html>")


COLUMNS = [("gzdt/", "工作动态"), ("tzgg/", "通知公告"), ("zcwj/", "政策文件"), ("rsxx/", "人事信息"), ("ghjh/", "规划计划"),
           ("czxx/", "财政信息")]
NOTICE_API = SITE + "tzgg/search"
PERSONNEL_API = SITE + "rsxx/search"


def static_list(title: str, found: list[dict[str, str]]) -> str:
    rows = "".join(f'<li><a href="{r["url"]}">{r["title"]}</a><span>{r["date"]}</span></li>' for r in found)
    return page(title, f'<div class="list"><ul>{rows}</ul></div>')


def routes() -> dict[str, Any]:
    nav = "".join(f'<li><a href="{SITE}{path}">{name}</a></li>' for path, name in COLUMNS)
    found: dict[str, Any] = {
        "/": page("青山县人民政府", ""),
        SITE: page("白鹤镇", f'<div class="menu"><ul>{nav}</ul></div>'),
        SITE + "gzdt/": INLINE_ARRAY,
        SITE + "tzgg/": template_list("通知公告", NOTICE_API + "?channelid=12&page=1"),
        NOTICE_API: search_answer(NOTICES),
        SITE + "zcwj/": DATAPROXY_LIST,
        "/module/web/jpage/dataproxy.jsp": dataproxy_answer,
        SITE + "rsxx/": template_list("人事信息", PERSONNEL_API + "?channelid=13&page=1"),
        PERSONNEL_API: broken_api,
        SITE + "czxx/": SCRIPTED_NOTE,
        SITE + "czxx/search": search_answer([]),
        SITE + "ghjh/": static_list("规划计划", PLANS),
    }
    for record in NEWS + NOTICES + POLICIES + PLANS:
        found[record["url"]] = page(record["title"], f'<h1>{record["title"]}</h1><p>发布时间：{record["date"]}</p>'
                                                     f"<p>{record['title']}的正文。</p>")
    return found
