#!/usr/bin/env python3
"""Headless Chromium walks the public site like a tipster on a phone.

Opens the gallery, switches the language, opens an object, fills the tip form with a photo, sends it and
reads the receipt. Screenshots of the gallery, the form and the receipt go to OUT_DIR.

Usage: tip_form.py BASE_URL PHOTO OUT_DIR
Exit 0 and one JSON line {"receipt": ..., "language": ...} on success; exit 77 when Chromium, chromedriver or
Selenium is missing (the caller reports a skip); anything else is a failure.
"""
import json
import os
import shutil
import sys

SKIP = 77


def find(*names):
    for n in names:
        p = shutil.which(n)
        if p:
            return p
    return None


def main():
    base, photo, out = sys.argv[1], sys.argv[2], sys.argv[3]
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support.ui import Select, WebDriverWait
    except ImportError:
        print("selenium is not installed (pip install selenium)", file=sys.stderr)
        return SKIP
    chromium = find("chromium", "chromium-browser", "google-chrome")
    driver_path = find("chromedriver")
    if not chromium or not driver_path:
        print("chromium / chromedriver not found (apt-get install chromium chromium-driver)", file=sys.stderr)
        return SKIP
    os.makedirs(out, exist_ok=True)
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=412,1400", "--lang=en-GB", "--no-first-run", "--disable-extensions"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    try:
        driver.set_page_load_timeout(90)
        driver.get(base + "/")
        assert driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en", "gallery not in English"
        cards = driver.find_elements(By.CSS_SELECTOR, "li.card")
        assert cards, "gallery shows no objects"
        loaded = driver.execute_script(
            "return Array.from(document.querySelectorAll('li.card img')).map(i => i.complete && i.naturalWidth > 0)")
        assert loaded and all(loaded), "crop images did not load: %r" % loaded
        driver.save_screenshot(os.path.join(out, "1-gallery-en.png"))

        # The visible switcher: French.
        driver.find_element(By.ID, "lang-fr").click()
        assert driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "fr", "switcher did not switch"
        driver.save_screenshot(os.path.join(out, "2-gallery-fr.png"))

        # The first object that takes tips.
        driver.find_element(By.CSS_SELECTOR, "li.card:not(.identified) a.button").click()
        assert "/objects/" in driver.current_url
        driver.find_element(By.ID, "text").send_keys("Je l'ai vu dans un supermarché à Lille en 2024.")
        driver.find_element(By.ID, "brand").send_keys("Alpro")
        driver.find_element(By.ID, "shop").send_keys("Carrefour")
        Select(driver.find_element(By.ID, "country")).select_by_value("FR")
        driver.find_element(By.ID, "city").send_keys("Lille")
        driver.find_element(By.ID, "photo").send_keys(os.path.abspath(photo))
        driver.save_screenshot(os.path.join(out, "3-form-fr.png"))
        driver.find_element(By.ID, "send").click()

        try:
            WebDriverWait(driver, 60).until(lambda d: d.find_elements(By.ID, "receipt"))
        except Exception:
            driver.save_screenshot(os.path.join(out, "error.png"))
            print("no receipt; page said: %s" % driver.find_element(By.TAG_NAME, "main").text[:500], file=sys.stderr)
            raise
        receipt = driver.find_element(By.ID, "receipt").text.strip()
        assert len(receipt) == 39, "unexpected receipt %r" % receipt
        driver.save_screenshot(os.path.join(out, "4-receipt-fr.png"))
        cookies = driver.get_cookies()
        assert [c["name"] for c in cookies] == ["csrf"], "unexpected cookies %r" % cookies
        print(json.dumps({"receipt": receipt, "language": "fr"}))
        return 0
    finally:
        driver.quit()


if __name__ == "__main__":
    sys.exit(main())
