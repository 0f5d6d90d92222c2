from tests.test_ledger import *
def test_peek(client, city, app, new_case):
    for i in range(3): new_case(unit="cgj")
    new_case(title="=1+1")
    client.login("dispatcher")
    client.get("/lang/en")
    with count_statements(app) as st:
        r = client.get("/staff/ledger?light=green")
    print(r.status_code); html=r.get_data(as_text=True)
    print(html[html.index("<main"):][:6000])
    for s in st: print("SQL:", s[:150].replace("\n"," "))
    r = client.get("/staff/ledger?from=2025-13-01&to=x")
    html=r.get_data(as_text=True); print(html[html.index('id="ledger-results"')-20:][:900])
    print(client.get("/staff/ledger/export.csv").data.decode()[:800])
    print(client.get("/staff/ledger/export.csv").headers)
