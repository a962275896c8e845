"""Signing in through the page's own dialog, as a person would: the browser tests' shared steps."""

from playwright.sync_api import expect

PASSWORD = "Passw0rd-browser"
WHO = "#account-who"


def fill_account_form(page, email, password):
    page.fill("#auth-email", email)
    page.fill("#auth-password", password)
    page.click("#auth-submit")


def sign_in(page, email, password=PASSWORD):
    page.click("#sign-in-button")
    expect(page.locator("#auth-dialog")).to_be_visible()
    expect(page.locator("#auth-title")).to_have_text("ログイン")
    fill_account_form(page, email, password)
    expect(page.locator("#auth-dialog")).to_be_hidden()
    expect(page.locator(WHO)).to_have_text(f"{email} でログイン中")
    expect(page.locator("#todo-list")).to_have_attribute("aria-busy", "false")
