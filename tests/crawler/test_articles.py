from datetime import date, datetime

from crawler.articles import parse_article
from tests.crawler.responses import file_response

TODAY = date(2026, 9, 10)
PT = "https://www.pingtan.gov.cn/zwgk/"


def test_pingtan_article_date_is_pubdate_not_url_date():
    url = PT + "zfxxgk/fdzdgknr/zkly/rsrm/202602/t20260203_105017.htm"
    article = parse_article(file_response("pingtan_article_105017.html", url), today=TODAY)
    assert article.published_at == datetime(
        2025, 4, 1, 17, 9
    )  # not 2026-02-03 (URL), not 2025-03-17 (signature)
    assert article.date_source == "meta"
    assert article.published_raw == "2025-04-01 17:09"


def test_pingtan_article_title_source_and_body():
    url = PT + "zfxxgk/fdzdgknr/zkly/rsrm/202602/t20260203_105017.htm"
    article = parse_article(file_response("pingtan_article_105017.html", url), today=TODAY)
    assert article.title == "平潭综合实验区党工委关于施金洋同志免职的通知"
    assert article.source == "区党工委党群工作部"
    assert "岚综委干〔2025〕8号" in article.body_text and "浏览量" not in article.body_text
    assert article.attachments == []


def test_pingtan_article_xls_attachment_is_absolute():
    url = PT + "ghxx/gzjzqk/202503/t20250321_97999.htm"
    article = parse_article(file_response("pingtan_article_97999.html", url), today=TODAY)
    assert article.published_at == datetime(2025, 3, 21, 17, 12)
    assert article.attachments == [PT + "ghxx/gzjzqk/202503/P020250321620728732317.XLS"]


def test_wanzai_article_meta_title_date_source_and_images():
    url = "https://www.wanzai.gov.cn/wzxrmzf/tjsja/202305/x.shtml"
    article = parse_article(file_response("wanzai_2022_article.html", url), today=TODAY)
    assert article.title == "万载县2022年国民经济和社会发展统计公报"
    assert article.published_at == datetime(2023, 8, 16, 10, 33, 59)
    assert article.source == "万载县统计局"
    assert len(article.images) >= 5 and all(
        i.src.startswith("https://www.wanzai.gov.cn/") for i in article.images
    )


def test_image_only_body_is_still_the_body():
    article = parse_article(
        file_response("hongshan_article.html", "http://www.hongshan.gov.cn/a.html"), today=TODAY
    )
    assert len(article.images) == 1 and article.images[0].src.endswith("w020230608624828828056.png")


def test_labelled_header_date_beats_body_signature_and_nav_dates():
    url = "http://www.example.gov.cn/jyj/tzgg/202508/t20250828_9.html"
    article = parse_article(file_response("synthetic_labelled_article.html", url), today=TODAY)
    assert article.published_at == datetime(2025, 8, 28, 10, 30)
    assert article.date_source == "label"
    assert article.source == "县教育局"
    assert article.title == "关于做好秋季学期开学工作的通知"


def test_images_keep_width_height_and_alt():
    url = "http://www.example.gov.cn/jyj/tzgg/202508/t20250828_9.html"
    article = parse_article(file_response("synthetic_labelled_article.html", url), today=TODAY)
    image = article.images[0]
    assert (image.src, image.width, image.height, image.alt) == (
        "http://www.example.gov.cn/upload/a.jpg",
        600,
        400,
        "开学",
    )


def test_attachments_by_extension_case_insensitive():
    url = "http://www.example.gov.cn/jyj/tzgg/202508/t20250828_9.html"
    article = parse_article(file_response("synthetic_labelled_article.html", url), today=TODAY)
    assert article.attachments == [
        "http://www.example.gov.cn/upload/fj1.docx",
        "http://www.example.gov.cn/upload/fj2.PDF?v=1",
    ]


def test_publishtime_in_script_when_no_meta_or_label():
    article = parse_article(
        file_response("synthetic_script_date_article.html", "http://x.gov.cn/a.html"), today=TODAY
    )
    assert article.published_at == datetime(2025, 10, 8, 9, 15)
    assert article.date_source == "script"
    assert article.title == "全县秋粮收购工作有序推进"  # <title> minus the site name


def test_report_republished_years_later_is_dated_by_its_pubdate_not_the_year_in_its_title():
    url = "https://www.wanzai.gov.cn/wzxrmzf/tjsja/202204/x.shtml"
    article = parse_article(file_response("wanzai_2015_article.html", url), today=TODAY)
    assert article.title == "万载县2015年国民经济和社会发展统计公报"
    assert (article.published_at, article.date_source) == (datetime(2022, 4, 24, 10, 0, 43), "meta")
    assert article.source is None  # ContentSource is empty and no 来源 label: the signature is not a source
    assert article.body_text.rstrip().endswith("（万载县统计局）") and len(article.body_text) > 6000


def test_yichun_reprint_keeps_the_source_it_states_and_its_chart_images():
    url = "https://www.yichun.gov.cn/ycsrmzf/tjgb/202305/x.shtml"
    article = parse_article(file_response("yichun_jiangxi_2022_article.html", url), today=TODAY)
    assert article.title == "江西省2022年国民经济和社会发展统计公报"
    assert article.published_at == datetime(2023, 5, 16, 12, 34, 10)
    assert article.source == "江西统计 公众号"
    assert len(article.images) == 19 and all(i.src.startswith("https://www.yichun.gov.cn/") for i in article.images)
    own = parse_article(file_response("yichun_2022_article.html", url), today=TODAY)
    assert (own.source, len(own.images)) == ("宜春市统计局", 14)
