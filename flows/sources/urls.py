"""Where the live sources are (kept import-free so settings can load them cheaply)."""

CENSTATD_API = "https://www.censtatd.gov.hk/api/get.php"
HKMA_ER_EERI_ENDPERIOD = (
    "https://api.hkma.gov.hk/public/market-data-and-statistics/"
    "monthly-statistical-bulletin/er-ir/er-eeri-endperiod"
)
ITF_ANNUAL_LIST = "https://www.itf.gov.hk/datagovhk/annuallist_{year}_e.csv"
GIA_RSS = "https://www.info.gov.hk/gia/rss/general_{lang}.xml"
