from crawler.encoding import decode_body

TEXT = "万载县人民政府 网站标识码：3609220011 发布时间：2023年8月16日"


def page(charset: str) -> str:
    meta = f'<meta http-equiv="Content-Type" content="text/html; charset={charset}">'
    return f"<html><head>{meta}</head><body>{TEXT}</body></html>"


def test_gbk_body_with_wrong_utf8_header_decodes():
    text, used = decode_body(page("gb2312").encode("gbk"), "utf-8")
    assert TEXT in text and used == "gb18030"


def test_gbk_body_without_any_declaration_is_detected():
    text, _ = decode_body(f"<html><body>{TEXT}{TEXT}</body></html>".encode("gbk"), None)
    assert TEXT in text


def test_utf8_body_with_wrong_gbk_header_decodes():
    text, used = decode_body(page("gbk").encode("utf-8"), "gbk")
    assert TEXT in text and used == "utf-8"


def test_bom_wins_over_header():
    text, used = decode_body(b"\xef\xbb\xbf" + page("gbk").encode("utf-8"), "gbk")
    assert TEXT in text and used == "utf-8-sig"


def test_gb2312_header_is_read_as_gb18030_superset():
    rare = "镕"  # in GBK/GB18030, not in GB2312
    text, used = decode_body(page("gb2312").replace(TEXT, rare).encode("gb18030"), "gb2312")
    assert rare in text and used == "gb18030"
