"""A large synthetic county portal for crawl benchmarks: static files in the demo portal's look.

    python -m bench.generate_portal [--pages 50000] [--out bench/.site]     # write the site
    python -m bench.generate_portal --shape sparse --out bench/.site-sparse  # small pages, few links
    python -m bench.generate_portal --mutate 0.01                          # 1% new items

Layout (all links root-relative, so any host:port serves it):
  www/index.html                       home: newest items, the unit sites, a few dead links
  www/{xzjd|bm}/<unit>/index.html      unit home: a nav of 20 columns (discovered by the crawler)
  www/.../<unit>/<col>/index.html      TRS list pages, 20 items each, createPageHTML(n, cur, "index", "html")
  www/.../<col>/YYYYMM/tYYYYMMDD_ID.html   articles with footer marks (网站标识码, ICP, 公安备案, _jiucuo_)
  config.yaml                          portalcheck config (units with `site:` only), state.json

Shapes: `rich` (the default, above) and `sparse`: the same units, columns and paths, but small pages with
few links, where a crawler's fixed cost per page shows: no header menu (a title bar only), lists of 5 items,
articles of one or two paragraphs, unit homes with the column map only. About 5/6 of its pages are articles.

Everything is derived from --seed (and the anchor date, default today): the same arguments write the
same bytes. `--mutate F` adds new articles to random columns so that F of all items are new, rewrites
the list pages, unit homes and the home page that show them, and prints the minimum request count of
an incremental crawl: 1 home page + every column's first list page (a 304 or a 200) + every new article.
The bench config sets `incremental_revisit_fraction: 0`, so that minimum is exact.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import shutil
import sys
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from html import escape
from pathlib import Path

DEFAULT_OUT = Path(__file__).resolve().parent / ".site"
DEFAULT_BASE = "http://127.0.0.1:8790/"
PAGE_SIZE = 20
COLUMNS_PER_UNIT = 20
ARTICLES_PER_COLUMN = 48  # mean; ~50 units x 20 columns x 48 = 48,000 articles for --pages 50000
DEAD_LINK_EVERY = 2000  # one article in this many carries a dead related link
SHAPES = ("rich", "sparse")
PAGE_SIZES = {"rich": PAGE_SIZE, "sparse": 5}
ARTICLE_SHARE = {"rich": 0.96, "sparse": 0.82}  # of all HTML pages (the rest: list pages, homes)

PORTAL = {
    "name": "临川市人民政府门户网站", "short": "临川市人民政府", "domain": "www.linchuan-bench.gov.cn",
    "site_code": "3610990001", "icp": "赣ICP备87654321号-1", "police": "赣公网安备36109902000456号",
    "police_code": "36109902000456", "conac_id": "0A1B2C3D4E5F60718293A4B5C6D7E8F9",
    "sponsor": "临川市人民政府办公室", "phone": "0794-8812345", "address": "江西省临川市临川大道1号",
    "jiucuo_src": "https://zfwzgl.www.gov.cn/exposure/jiucuo.js",
}
PLACE_A = "白沙青石龙凤金银东西南北大小长平安宁兴华新"
PLACE_B = "鹤河坝道龛桥山湖泉田岭溪塘港林坪湾口冲"
DEPARTMENTS = [
    "财政局", "卫生健康委员会", "自然资源和规划局", "人力资源和社会保障局", "发展和改革委员会", "统计局",
    "司法局", "融媒体中心", "教育体育局", "住房和城乡建设局", "交通运输局", "水利局", "农业农村局",
    "商务局", "文化广电旅游局", "应急管理局", "市场监督管理局", "医疗保障局", "民政局", "退役军人事务局",
    "生态环境局", "审计局", "林业局", "公安局", "城市管理局",
]
COLUMN_NAMES = [
    ("gzdt", "工作动态"), ("tzgg", "通知公告"), ("zcwj", "政策文件"), ("zcjd", "政策解读"),
    ("rsxx", "人事信息"), ("ghjh", "规划计划"), ("jgzn", "机构职能"), ("czxx", "财政信息"),
    ("zfcg", "政府采购"), ("zdxm", "重点项目"), ("msss", "民生实事"), ("yjgl", "应急管理"),
    ("aqsc", "安全生产"), ("shjz", "社会救助"), ("nyny", "农业农村"), ("sthj", "生态环境"),
    ("jyta", "建议提案办理"), ("ggfw", "公共服务"), ("tjxx", "统计信息"), ("xxgknb", "信息公开年报"),
]
TOPICS = [
    "安全生产专项整治", "防汛抗旱工作", "乡村振兴重点任务", "优化营商环境", "森林防灭火", "秋冬季疫病防控",
    "耕地保护", "城乡环境综合整治", "民生实事项目", "政府信息公开工作", "基层减负", "河湖长制",
    "燃气安全排查", "食品安全监督抽检", "义务教育招生", "医疗保障政策宣传", "就业创业服务", "社会救助资金发放",
    "重点项目建设", "消防安全检查", "文明城市创建", "高标准农田建设", "人居环境整治", "老旧小区改造",
]
VERBS = ["召开", "部署", "开展", "推进", "组织", "落实", "启动", "完成", "举办", "印发"]
SUFFIXES = ["工作会议", "专项行动", "情况通报", "实施方案", "工作要点", "推进会", "培训班", "督查检查", "公示", "通知"]
SENTENCES = [
    "会议强调，要坚持以人民为中心的发展思想，把各项工作抓实抓细抓落地。",
    "各单位要进一步提高政治站位，压紧压实工作责任，确保各项任务按时保质完成。",
    "本次活动共发放宣传资料三百余份，现场解答群众咨询五十余人次。",
    "下一步，将持续加大工作力度，建立健全长效机制，推动工作常态化、制度化。",
    "会上，相关负责同志通报了前一阶段工作进展情况，并对下一阶段工作作出具体安排。",
    "检查组深入企业生产一线，详细查看了安全管理制度落实、隐患排查治理等情况。",
    "全年共完成项目投资二点三亿元，占年度计划的百分之一百零六。",
    "请各有关单位于规定时间内将材料报送至办公室，逾期未报视为放弃。",
    "联系电话：0794-8812345，联系人：王同志。",
    "为进一步规范工作流程，提高服务效率，结合本地实际，制定本方案。",
    "各乡镇（街道）、各有关部门要加强协调配合，形成工作合力。",
    "本公示期为五个工作日，如有异议，请以书面形式向公示单位反映。",
]


@dataclass
class Article:
    id: int
    published: datetime
    title: str
    dead_link: bool = False
    column: Column | None = field(default=None, repr=False)

    @property
    def path(self) -> str:
        assert self.column is not None
        return f"{self.column.path}{self.published:%Y%m}/t{self.published:%Y%m%d}_{self.id}.html"


@dataclass
class Column:
    code: str
    name: str
    path: str
    unit: Unit = field(repr=False)
    articles: list[Article] = field(default_factory=list)  # newest first

    @property
    def page_size(self) -> int:
        return PAGE_SIZES[self.unit.shape]

    @property
    def pages(self) -> int:
        return max(1, math.ceil(len(self.articles) / self.page_size))


@dataclass
class Unit:
    code: str
    name: str
    kind: str
    site: str
    columns: list[Column] = field(default_factory=list)
    shape: str = "rich"


@dataclass
class Portal:
    units: list[Unit]
    today: date
    next_id: int
    shape: str = "rich"

    @property
    def columns(self) -> list[Column]:
        return [c for u in self.units for c in u.columns]

    def articles(self) -> list[Article]:
        return [a for c in self.columns for a in c.articles]

    def newest(self, n: int) -> list[Article]:
        heads = [a for c in self.columns for a in c.articles[:n]]
        return sorted(heads, key=lambda a: (a.published, a.id), reverse=True)[:n]


# --- the model ---------------------------------------------------------------------------------------


def _title(rng: random.Random, unit: Unit, year: int) -> str:
    return f"{unit.name}{rng.choice(VERBS)}{year}年{rng.choice(TOPICS)}{rng.choice(SUFFIXES)}"


def build_portal(pages: int, seed: int, today: date, shape: str = "rich", unit_count: int | None = None) -> Portal:
    """Units, columns and articles for a site of about `pages` pages (articles are ~96% of them, ~82% when sparse),
    in `unit_count` units (default: one per ~1,000 pages)."""
    rng = random.Random(seed)
    n_units = unit_count or max(2, round(pages / 1000))  # 50 units x 20 columns = 1,000 columns for 50,000 pages
    target_articles = round(pages * ARTICLE_SHARE[shape])
    units: list[Unit] = []
    names: set[str] = set()
    for i in range(n_units):
        if i % 2 == 0:
            while (name := rng.choice(PLACE_A) + rng.choice(PLACE_B) + rng.choice("镇乡")) in names:
                pass
            kind, site = "乡镇", f"/xzjd/u{i:03d}/"
        else:
            name = DEPARTMENTS[(i // 2) % len(DEPARTMENTS)]
            name = name if name not in names else f"{name}{i}"
            kind, site = "部门", f"/bm/u{i:03d}/"
        names.add(name)
        unit = Unit(code=f"u{i:03d}", name=name, kind=kind, site=site, shape=shape)
        unit.columns = [Column(code, cname, f"{site}{code}/", unit) for code, cname in COLUMN_NAMES]
        units.append(unit)
    columns = [c for u in units for c in u.columns]
    # Skewed sizes: a few busy news columns with many pages, many small ones, about 1% left blank.
    weights = [0.0 if rng.random() < 0.01 else rng.paretovariate(2.0) * rng.uniform(0.15, 1.0) for _ in columns]
    total = sum(weights)
    counts = [int(w / total * target_articles) for w in weights]
    order = sorted(range(len(columns)), key=lambda k: weights[k], reverse=True)
    for k in order[: target_articles - sum(counts)]:
        counts[k] += 1
    now = datetime.combine(today, datetime.min.time()).replace(hour=18)
    next_id = 100_000
    for column, count in zip(columns, counts, strict=True):
        stamps = sorted((now - timedelta(minutes=rng.randrange(2 * 365 * 24 * 60)) for _ in range(count)),
                        reverse=True)
        for stamp in stamps:
            article = Article(next_id, stamp, _title(rng, column.unit, stamp.year),
                              dead_link=next_id % DEAD_LINK_EVERY == 7, column=column)
            column.articles.append(article)
            next_id += 1
    return Portal(units, today, next_id, shape)


def mutate(portal: Portal, fraction: float, seed: int, round_no: int) -> tuple[list[Article], list[Column]]:
    """Add new articles (1-3 per chosen column, never a full page) so that `fraction` of items are new."""
    rng = random.Random(seed * 7919 + round_no)
    wanted = max(1, round(fraction * len(portal.articles())))
    candidates = [c for c in portal.columns if c.articles]
    rng.shuffle(candidates)
    added: list[Article] = []
    touched: dict[str, Column] = {}
    stamp = datetime.combine(portal.today, datetime.min.time()).replace(hour=19) + timedelta(minutes=round_no)
    for column in candidates:
        if len(added) >= wanted:
            break
        for _ in range(min(rng.randint(1, 3), wanted - len(added))):
            article = Article(portal.next_id, stamp, _title(rng, column.unit, stamp.year), column=column)
            portal.next_id += 1
            column.articles.insert(0, article)
            added.append(article)
        touched[column.path] = column
    return added, list(touched.values())


# --- HTML (the demo portal's templates, as plain strings for speed) ----------------------------------


def _head(title: str, meta: str = "") -> str:
    p = PORTAL
    return (
        '<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n'
        '<meta http-equiv="X-UA-Compatible" content="IE=edge">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1.0">\n'
        f'<meta name="SiteName" content="{p["name"]}">\n<meta name="SiteDomain" content="{p["domain"]}">\n'
        f'<meta name="SiteIDCode" content="{p["site_code"]}">\n{meta}<title>{escape(title)}</title>\n'
        '<link rel="stylesheet" type="text/css" href="/css/style.css">\n'
        '<script type="text/javascript" src="/js/common.js"></script>\n</head>\n<body>\n<div class="wrap">\n'
    )


def _header(unit: Unit | None, current: Column | None = None, shape: str | None = None) -> str:
    p = PORTAL
    title = unit.name if unit else p["name"]
    if (shape or (unit.shape if unit else "rich")) == "sparse":  # a title bar, no menus
        return (f'<!--头部开始-->\n<div class="header"><a href="{unit.site if unit else "/"}" class="logo">'
                f'<span class="site-title">{title}</span></a></div>\n<!--头部结束-->\n')
    if unit:
        items = [f'    <li><a href="{unit.site}">首页</a></li>']
        for col in unit.columns:
            on = ' class="on"' if current is col else ""
            items.append(f'    <li{on}><a href="{col.path}" title="{col.name}">{col.name}</a></li>')
    else:
        items = ['    <li><a href="/">首页</a></li>', '    <li><a href="/wzdt/">网站地图</a></li>',
                 '    <li><a href="/gywm/">关于我们</a></li>']
    nav = "\n".join(items)
    return (
        '<!--头部开始-->\n<div class="topbar"><div class="container">\n  <span>今天是 <span id="today"></span></span>\n'
        f'  <a href="/" title="{p["name"]}">{p["name"]}</a>\n  <a href="/wzdt/">网站地图</a>\n</div></div>\n'
        f'<div class="header"><div class="container">\n  <a href="{unit.site if unit else "/"}" class="logo">'
        f'<img src="/images/logo.png" alt="{title}">\n    <span class="site-title">{title}</span></a>\n'
        '  <form class="search" action="/search/" method="get"><input type="text" name="q" placeholder="请输入关键字">'
        '<button type="submit">搜索</button></form>\n</div></div>\n'
        '<div class="menu"><div class="container">\n  <ul class="nav clearfix" role="navigation" des="站点主目录">\n'
        f"{nav}\n  </ul>\n</div></div>\n<!--头部结束-->\n"
    )


def _footer() -> str:
    p = PORTAL
    return (
        '<!--底部开始-->\n<div class="footer">\n  <div class="container">\n    <div class="footer_nav">\n'
        '      <a href="/wzdt/" target="_blank" title="网站地图">网站地图</a> |\n'
        '      <a href="/gywm/" target="_blank" title="关于我们">关于我们</a>\n    </div>\n'
        '    <div class="footer_copyright">\n'
        f'      <p>主办单位：{p["sponsor"]}　承办单位：临川市信息化中心　联系电话：{p["phone"]}</p>\n'
        f'      <p>地址：{p["address"]}　<a href="https://beian.miit.gov.cn" target="_blank">{p["icp"]}</a>\n'
        f'      　网站标识码：{p["site_code"]}\n'
        '      　<a href="http://www.beian.gov.cn/portal/registerSystemInfo?recordcode='
        f'{p["police_code"]}" target="_blank"><img src="/images/gaba.png" alt="公安备案">{p["police"]}</a></p>\n'
        '    </div>\n    <div class="footer_wzbs">\n'
        f'      <span id="_ideConac"><a href="https://bszs.conac.cn/sitename?method=show&amp;id={p["conac_id"]}"'
        ' target="_blank"><img id="imgConac" vspace="0" hspace="0" border="0" src="/images/red.png" alt="党政机关">'
        '</a></span>\n'
        f'      <script id="_jiucuo_" sitecode="{p["site_code"]}" src="{p["jiucuo_src"]}"></script>\n'
        '    </div>\n  </div>\n</div>\n<!--底部结束-->\n</div>\n</body>\n</html>\n'
    )


def _crumbs(parts: list[tuple[str, str]]) -> str:
    links = " &gt; ".join(f'<a href="{path}">{name}</a>' for name, path in parts)
    return f'<div class="breadcrumb" role="navigation" des="当前位置">当前位置：{links}</div>\n'


def _list(items: list[Article]) -> str:
    rows = "\n".join(
        f'  <li><a href="{a.path}" target="_blank" title="{a.title}">{a.title}</a>'
        f'<span class="date">{a.published:%Y-%m-%d}</span></li>' for a in items)
    return f'<ul class="list">\n{rows}\n</ul>\n'


def list_page(column: Column, page: int) -> str:
    unit = column.unit
    meta = "".join(f'<meta name="{k}" content="{column.name}">\n'
                   for k in ("ColumnName", "ColumnDescription", "ColumnKeywords", "ColumnType"))
    size = column.page_size
    items = column.articles[page * size:(page + 1) * size]
    if items:
        body = _list(items) + (
            '    <div class="page" id="page_div">\n      <script type="text/javascript">'
            f'createPageHTML({column.pages}, {page}, "index", "html");</script>\n    </div>\n')
    else:
        body = '    <div class="no-data">本栏目暂无信息</div>\n'
    return (
        _head(f"{column.name}_{unit.name}_{PORTAL['short']}", meta) + _header(unit, column)
        + '<div class="main container">\n'
        + _crumbs([("首页", "/"), (unit.name, unit.site), (column.name, column.path)])
        + '<div class="column-page clearfix">\n  <div class="side">\n'
        + f"    <h3>{column.name}</h3>\n  </div>\n"
        + f'  <div class="content list_base" role="viewlist" des="{column.name}">\n'
        + f'    <h2 class="column-title">{column.name}</h2>\n{body}  </div>\n</div>\n</div>\n'
        + _footer()
    )


def article_page(article: Article, seed: int) -> str:
    column = article.column
    assert column is not None
    unit = column.unit
    rng = random.Random(seed * 1_000_003 + article.id)
    when = article.published.strftime("%Y-%m-%d %H:%M")
    meta = (f'<meta name="ColumnName" content="{column.name}">\n<meta name="ColumnType" content="{column.name}">\n'
            f'<meta name="ArticleTitle" content="{article.title}">\n<meta name="PubDate" content="{when}">\n'
            f'<meta name="ContentSource" content="{unit.name}">\n<meta name="Description" content="{article.title}">\n'
            f'<meta name="Url" content="http://{PORTAL["domain"]}{article.path}">\n')
    paragraphs = "\n".join(
        f'      <p style="text-indent:2em;">{"".join(rng.sample(SENTENCES, 3))}</p>' for _ in range(rng.randint(1, 2) if unit.shape == "sparse" else rng.randint(3, 7)))
    if article.dead_link:
        gone = f"{column.path}201901/t20190101_{article.id}.html"
        paragraphs += f'\n      <p style="text-indent:2em;">相关链接：<a href="{gone}" target="_blank">原文件</a></p>'
    return (
        _head(f"{article.title}_{PORTAL['short']}", meta) + _header(unit, column) + '<div class="main container">\n'
        + _crumbs([("首页", "/"), (unit.name, unit.site), (column.name, column.path)])
        + f'<div class="article">\n  <h1 class="article_title">{article.title}</h1>\n  <div class="article_extend">\n'
        + f'    <span class="article_time">发布时间：{when}</span>\n'
        + f'    <span class="article_source">来源：{unit.name}</span>\n'
        + '    <span class="article_font">【字体：<a href="javascript:;">大</a> <a href="javascript:;">中</a> '
        + '<a href="javascript:;">小</a>】</span>\n  </div>\n'
        + f'  <div class="article_content">\n    <div class="TRS_Editor">\n{paragraphs}\n    </div>\n  </div>\n'
        + '  <div class="article_tools"><a href="javascript:window.print();">【打印本页】</a> '
        + '<a href="javascript:window.close();">【关闭窗口】</a></div>\n</div>\n</div>\n'
        + _footer()
    )


def unit_home(unit: Unit) -> str:
    blocks = "".join(
        f'  <div class="block">\n    <div class="block-hd"><h3><a href="{c.path}">{c.name}</a></h3>'
        f'<a class="more" href="{c.path}">更多&gt;&gt;</a></div>\n{_list(c.articles[:5])}  </div>\n'
        for c in unit.columns[:4]) if unit.shape == "rich" else ""
    column_map = "\n".join(f'      <li><a href="{c.path}">{c.name}</a></li>' for c in unit.columns)
    return (
        _head(f"{unit.name}_{PORTAL['short']}") + _header(unit) + '<div class="main container">\n'
        + f'<div class="unit-home clearfix">\n  <div class="unit-intro">\n    <h2>{unit.name}</h2>\n'
        + f"    <p>欢迎访问{unit.name}网站。本网站是{unit.name}依法公开政府信息、提供在线服务和与公众互动交流的平台。</p>\n"
        + f'  </div>\n{blocks}  <div class="block column-map">\n    <div class="block-hd"><h3>栏目导航</h3></div>\n'
        + f"    <ul>\n{column_map}\n    </ul>\n  </div>\n</div>\n</div>\n" + _footer()
    )


def home_page(portal: Portal) -> str:
    news = "\n".join(
        f'      <li><h4><a href="{a.path}" target="_blank" title="{a.title}">{a.title}</a></h4>'
        f'<span class="time">{a.published:%Y-%m-%d}</span></li>' for a in portal.newest(8))
    towns = "\n".join(f'      <li><a href="{u.site}" target="_blank">{u.name}</a></li>'
                      for u in portal.units if u.kind == "乡镇")
    depts = "\n".join(f'      <li><a href="{u.site}" target="_blank">{u.name}</a></li>'
                      for u in portal.units if u.kind == "部门")
    return (
        _head(PORTAL["name"]) + _header(None, shape=portal.shape) + '<div class="main container">\n'
        + '<div class="banner"><img src="/images/banner.png" alt="美丽临川"></div>\n'
        + '<div class="home-row clearfix">\n  <div class="home-newsBox">\n'
        + '    <div class="hd"><h3>要闻动态</h3></div>\n'
        + f'    <ul class="newsList">\n{news}\n    </ul>\n  </div>\n</div>\n'
        + '<div class="home-row clearfix">\n  <div class="home-units">\n    <div class="hd"><h3>乡镇街道</h3></div>\n'
        + f'    <ul class="unit-list xzjd">\n{towns}\n    </ul>\n    <div class="hd"><h3>市直部门</h3></div>\n'
        + f'    <ul class="unit-list bm">\n{depts}\n    </ul>\n  </div>\n</div>\n'
        + '<div class="home-row clearfix">\n  <div class="ztzl">\n    <div class="hd"><h3>专题专栏</h3></div>\n    <ul>\n'
        + '      <li><a href="/zt/dsxxjy/" target="_blank">党史学习教育专题</a></li>\n'  # dead: 404
        + '      <li><a href="/xxgk/zfxxgknb/" target="_blank">政府信息公开年报</a></li>\n'  # dead: 404
        + '      <li><a href="http://www.gov.cn/" target="_blank">中国政府网</a></li>\n'
        + "    </ul>\n  </div>\n</div>\n</div>\n" + _footer()
    )


def simple_page(title: str, body: str, shape: str = "rich") -> str:
    return (_head(f"{title}_{PORTAL['short']}") + _header(None, shape=shape) + '<div class="main container">\n'
            + _crumbs([("首页", "/"), (title, "#")]) + f'<div class="article">\n<h1>{title}</h1>\n{body}</div>\n'
            + "</div>\n" + _footer())


# --- writing -----------------------------------------------------------------------------------------


def _write(root: Path, path: str, text: str) -> None:
    target = root / path.lstrip("/")
    if path.endswith("/"):
        target = target / "index.html"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")


def _list_file(column: Column, page: int) -> str:
    return f"{column.path}index.html" if page == 0 else f"{column.path}index_{page}.html"


def write_column(root: Path, column: Column) -> None:
    for page in range(column.pages):
        _write(root, _list_file(column, page), list_page(column, page))


def write_site(portal: Portal, root: Path, seed: int) -> int:
    """Write every page; returns the number of HTML pages written."""
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    written = 0
    _write(root, "/", home_page(portal))
    unit_links = "".join(f'<p><a href="{u.site}">{u.name}</a></p>\n' for u in portal.units)
    _write(root, "/wzdt/", simple_page("网站地图", unit_links, portal.shape))
    _write(root, "/gywm/", simple_page("关于我们", f"<p>{PORTAL['sponsor']}主办。</p>\n", portal.shape))
    written += 3
    for unit in portal.units:
        _write(root, unit.site, unit_home(unit))
        written += 1
        for column in unit.columns:
            write_column(root, column)
            written += column.pages
            for article in column.articles:
                _write(root, article.path, article_page(article, seed))
            written += len(column.articles)
    _write(root, "/css/style.css", "body{font-family:'Microsoft YaHei',sans-serif}.list li{line-height:2}\n")
    _write(root, "/js/common.js", "function createPageHTML(n,c,name,ext){/* TRS pager */}\n")
    png = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                        "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")
    for name in ("logo", "gaba", "red", "banner"):
        (root / "images").mkdir(exist_ok=True)
        (root / "images" / f"{name}.png").write_bytes(png)
    return written


# The bench crawl's concurrency: portalcheck's config, and the bare Scrapy spider that is compared with it.
CONCURRENT, PER_HOST = 32, 16

def config_yaml(portal: Portal, base_url: str, log_file: str = "logs/crawl.log") -> str:
    base = base_url.rstrip("/")
    units = "\n".join(f"  - {{name: {u.name}, kind: {u.kind}, site: {base}{u.site}}}" for u in portal.units)
    return (
        "# Generated by bench/generate_portal.py: the synthetic benchmark portal (units with `site:` only;\n"
        "# the crawler discovers the columns). bench/crawl.py rewrites the port.\n"
        f"portal:\n  name: {PORTAL['name']}\n  home: {base}/\n  site_code: \"{PORTAL['site_code']}\"\n"
        f"units:\n{units}\n"
        f"crawl:\n  concurrency_per_host: {PER_HOST}\n  concurrent_requests: {CONCURRENT}\n  delay_seconds: 0\n"
        "  autothrottle: false\n"
        "  obey_robots: false\n  check_external_links: false\n  max_pages_per_column: 500\n"
        "  incremental_revisit_fraction: 0   # the incremental minimum is exact\n"
        f"  log_file: {log_file}\n"
        "database:\n  url: sqlite:///bench.db\n"
    )


def figures(portal: Portal) -> dict:
    list_pages = sum(c.pages for c in portal.columns)
    articles = len(portal.articles())
    return {"units": len(portal.units), "columns": len(portal.columns), "articles": articles,
            "list_pages": list_pages, "html_pages": 3 + len(portal.units) + list_pages + articles}


def load_state(out: Path) -> dict | None:
    try:
        return json.loads((out / "state.json").read_text())
    except (OSError, ValueError):
        return None


def rebuild(state: dict) -> Portal:
    """The portal as the state says: the seeded base plus every mutation applied so far."""
    portal = build_portal(state["pages"], state["seed"], date.fromisoformat(state["today"]),
                          state.get("shape", "rich"))
    for round_no, fraction in enumerate(state.get("mutations", []), start=1):
        mutate(portal, fraction, state["seed"], round_no)
    return portal


def generate(out: Path, pages: int, seed: int, today: date, base_url: str = DEFAULT_BASE,
             shape: str = "rich") -> dict:
    portal = build_portal(pages, seed, today, shape)
    written = write_site(portal, out / "www", seed)
    state = {"pages": pages, "seed": seed, "today": today.isoformat(), "shape": shape, "mutations": [],
             **figures(portal)}
    assert state["html_pages"] == written, (state, written)
    (out / "config.yaml").write_text(config_yaml(portal, base_url), encoding="utf-8")
    (out / "state.json").write_text(json.dumps(state, ensure_ascii=False, indent=1))
    return state


def apply_mutation(out: Path, fraction: float) -> dict:
    """Add new items to the written site; returns the mutation's figures, including the minimum requests."""
    state = load_state(out)
    if state is None:
        raise SystemExit(f"no generated site in {out}: run without --mutate first")
    portal = rebuild(state)
    state["mutations"].append(fraction)
    added, touched = mutate(portal, fraction, state["seed"], len(state["mutations"]))
    root = out / "www"
    for article in added:
        _write(root, article.path, article_page(article, state["seed"]))
    for column in touched:  # a TRS republish regenerates every list page of the column
        write_column(root, column)
    for unit in {c.unit.code: c.unit for c in touched}.values():
        _write(root, unit.site, unit_home(unit))
    _write(root, "/", home_page(portal))
    columns = len(portal.columns)
    result = {"new_articles": len(added), "columns_changed": len(touched), "columns": columns,
              "items_before": len(portal.articles()) - len(added),
              "minimum_requests": 1 + columns + len(added)}
    state.update(figures(portal))
    state["last_mutation"] = result
    (out / "state.json").write_text(json.dumps(state, ensure_ascii=False, indent=1))
    return {**result, "new_paths": [a.path for a in added]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="site folder (default bench/.site)")
    parser.add_argument("--pages", type=int, default=50_000, help="about this many HTML pages")
    parser.add_argument("--seed", type=int, default=20240601)
    parser.add_argument("--today", type=date.fromisoformat, default=date.today(), help="anchor date (ISO)")
    parser.add_argument("--base-url", default=DEFAULT_BASE, help="portal home in config.yaml")
    parser.add_argument("--shape", choices=SHAPES, default="rich",
                        help="rich: the demo portal's pages; sparse: small pages, lists of 5, no header menus")
    parser.add_argument("--mutate", type=float, metavar="FRACTION",
                        help="add new items to the existing site (0.01 = 1%% of items)")
    args = parser.parse_args(argv)
    if args.mutate is not None:
        result = apply_mutation(args.out, args.mutate)
        result.pop("new_paths")
        print(json.dumps(result, ensure_ascii=False))
        print(f"minimum incremental requests: {result['minimum_requests']} "
              f"(1 home + {result['columns']} columns + {result['new_articles']} new articles)")
        return 0
    started = datetime.now()
    state = generate(args.out, args.pages, args.seed, args.today, args.base_url, args.shape)
    seconds = (datetime.now() - started).total_seconds()
    print(json.dumps(state, ensure_ascii=False))
    print(f"wrote {state['html_pages']} pages ({state['units']} units, {state['columns']} columns, "
          f"{state['articles']} articles) into {args.out} in {seconds:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    os.umask(0o022)
    raise SystemExit(main())
