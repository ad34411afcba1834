from parsel import Selector

from crawler.marks import parse_marks
from tests.crawler.responses import file_response


def test_wanzai_footer_marks():
    marks = parse_marks(file_response("wanzai_2022_article.html", "https://www.wanzai.gov.cn/a.shtml"))
    assert marks.site_code_text == "3609220011" and marks.site_id_meta == "3609220011"
    assert marks.icp == "赣ICP备11002306号-1"
    assert marks.police_record == "36092202000105"
    assert marks.conac and marks.conac_url.startswith("https://bszs.conac.cn/sitename?method=show")
    assert (marks.error_report.status, marks.error_report.kind, marks.error_report.site_code) == (
        "present",
        "script",
        "3609220011",
    )


def test_gzggw_commented_and_hidden_error_report_is_not_an_entry():
    marks = parse_marks(file_response("gzggw_article.html", "http://www.zjdpc.gov.cn/a.html"))
    report = marks.error_report
    assert report.status == "hidden" and report.kind == "link"
    assert report.site_code == "3300000020" and report.url_param == "http://www.zjdpc.gov.cn/"
    assert marks.site_id_meta is None  # SiteIDCode meta is empty
    assert marks.site_code_text == "3300000020"
    assert marks.police_record == "33010602009328"


def test_pingtan_span_only_error_report_and_proxy_hosted_marks():
    marks = parse_marks(
        file_response("pingtan_gzjzqk_list.html", "https://www.pingtan.gov.cn/zwgk/ghxx/gzjzqk/")
    )
    assert (marks.error_report.status, marks.error_report.kind) == ("present", "span")
    assert marks.police_record == "35012899001-19002"
    assert marks.icp == "闽ICP备09032658号"
    assert marks.conac and marks.site_code_text == "3590000001"


def test_govcn_link_error_report_and_bm_site_code_without_colon():
    marks = parse_marks(file_response("govcn_article.html", "https://www.gov.cn/a.htm"))
    assert (marks.error_report.status, marks.error_report.kind) == ("present", "link")
    assert marks.site_code_text == "bm01000001"
    assert marks.icp == "京ICP备05070218号" and marks.police_record == "11010202000001"


def test_live_script_wins_over_commented_copy():
    marks = parse_marks(file_response("hongshan_article.html", "http://www.hongshan.gov.cn/a.html"))
    assert (marks.error_report.status, marks.error_report.kind) == ("present", "script")
    assert marks.site_code_text == "4201110038" and marks.icp == "鄂ICP备05009168"


def test_conac_badge_written_by_script_is_found():
    marks = parse_marks(file_response("anxi_article.html", "http://www.fjax.gov.cn/a.html"))
    assert marks.conac and "dcs.conac.cn" in marks.conac_url


def test_only_commented_entry_is_commented_out():
    script = '<script id="_jiucuo_" sitecode="3609220011" src="jiucuo.js"></script>'
    html = f"<html><body><!-- {script} --></body></html>"
    report = parse_marks(Selector(text=html)).error_report
    assert (report.status, report.kind, report.site_code) == ("commented_out", "script", "3609220011")


def test_no_entry_is_missing():
    marks = parse_marks(Selector(text="<html><body><p>版权所有</p></body></html>"))
    assert marks.error_report.status == "missing" and not marks.conac and marks.icp is None


def test_yichun_footer_marks_on_both_reprinted_and_own_reports():
    for name in ("yichun_jiangxi_2022_article.html", "yichun_2022_article.html"):
        marks = parse_marks(file_response(name, "https://www.yichun.gov.cn/ycsrmzf/a.shtml"))
        assert (marks.site_code_text, marks.site_id_meta) == ("3609000002", "3609000002"), name
        assert (marks.icp, marks.police_record, marks.conac) == ("赣ICP备06000141号", "36090202000004", True), name
        assert marks.error_report.status == "present", name
