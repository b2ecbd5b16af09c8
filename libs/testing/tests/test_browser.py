def test_the_page_fixture_drives_debians_chromium(page):
    page.set_content("<h1>hello</h1>")
    assert page.inner_text("h1") == "hello"
