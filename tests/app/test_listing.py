"""Listing todos: pages and their headers, bounds on paging, filters and every sort order."""

from __future__ import annotations

import pytest

TODOS = [
    {
        "title": "alpha report",
        "done": False,
        "priority": "high",
        "tags": ["work"],
        "due_at": "2026-12-03T00:00:00Z",
    },
    {"title": "buy milk", "done": True, "priority": "low", "tags": ["home", "shop"], "due_at": None},
    {
        "title": "call Bob",
        "description": "About the REPORT deadline",
        "done": False,
        "priority": "normal",
        "tags": ["work", "phone"],
        "due_at": "2026-12-01T23:00:00-05:00",
    },
    {
        "title": "dust shelves",
        "done": True,
        "priority": "normal",
        "tags": [],
        "due_at": "2026-12-02T00:00:00Z",
    },
    {"title": "50% off sale", "done": False, "priority": "low", "tags": ["shop"], "due_at": None},
]


@pytest.fixture
def seeded(make_todo):
    """The TODOS, created in order, by title."""
    return {todo["title"]: make_todo(**todo) for todo in TODOS}


def _titles(response):
    assert response.status_code == 200, response.get_json()
    return [todo["title"] for todo in response.get_json()]


def _pages(response):
    return {
        name: int(response.headers[name])
        for name in ("X-Total-Count", "X-Page", "X-Per-Page", "X-Total-Pages")
    }


def test_an_empty_list_has_zero_pages(client, auth_headers):
    response = client.get("/api/todos", headers=auth_headers)
    assert response.status_code == 200
    assert response.get_json() == []
    assert _pages(response) == {"X-Total-Count": 0, "X-Page": 1, "X-Per-Page": 20, "X-Total-Pages": 0}


def test_default_order_is_newest_first(client, auth_headers, seeded):
    assert _titles(client.get("/api/todos", headers=auth_headers)) == [t["title"] for t in reversed(TODOS)]


@pytest.mark.parametrize(
    ("page", "expected"),
    [(1, ["alpha report", "buy milk"]), (2, ["call Bob", "dust shelves"]), (3, ["50% off sale"]), (4, [])],
)
def test_pages_split_the_list_and_say_where_they_are(client, auth_headers, seeded, page, expected):
    response = client.get(f"/api/todos?sort=created_at&per_page=2&page={page}", headers=auth_headers)
    assert _titles(response) == expected
    assert _pages(response) == {"X-Total-Count": 5, "X-Page": page, "X-Per-Page": 2, "X-Total-Pages": 3}


def test_paging_bounds_are_inclusive(client, auth_headers):
    response = client.get("/api/todos?page=10000&per_page=100", headers=auth_headers)
    assert response.status_code == 200
    assert _pages(response)["X-Page"] == 10000


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("done=true", {"buy milk", "dust shelves"}),
        ("done=false", {"alpha report", "call Bob", "50% off sale"}),
        ("priority=low", {"buy milk", "50% off sale"}),
        ("tag=work", {"alpha report", "call Bob"}),
        ("tag=shop&done=false", {"50% off sale"}),
        ("tag=nothing", set()),
        ("q=report", {"alpha report", "call Bob"}),
        ("q=MILK", {"buy milk"}),
        ("q=50%25", {"50% off sale"}),
        ("q=_", set()),
        ("q=report&priority=high", {"alpha report"}),
    ],
)
def test_filters_select_matching_todos(client, auth_headers, seeded, query, expected):
    response = client.get(f"/api/todos?{query}", headers=auth_headers)
    assert set(_titles(response)) == expected
    assert int(response.headers["X-Total-Count"]) == len(expected)


INVALID_QUERIES = [
    "page=0",
    "page=10001",
    "page=-1",
    "per_page=0",
    "per_page=101",
    "page=1.0",
    "page=1e3",
    "page=abc",
    "per_page=",
    f"page={2**70}",
    f"per_page={2**70}",
    "done=1",
    "done=0",
    "done=True",
    "done=yes",
    "priority=urgent",
    "tag=",
    "q=",
    "sort=id",
    "sort=title,due_at",
    "q=a%00b",
    "tag=a%00",
]


def test_invalid_query_parameters_are_422_by_name(client, auth_headers, expect_error):
    for query in INVALID_QUERIES:
        body = expect_error(client.get(f"/api/todos?{query}", headers=auth_headers), 422)
        assert query.split("=")[0] in body["errors"]["query"], (query, body)


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("created_at", ["alpha report", "buy milk", "call Bob", "dust shelves", "50% off sale"]),
        ("-created_at", ["50% off sale", "dust shelves", "call Bob", "buy milk", "alpha report"]),
        ("title", ["50% off sale", "alpha report", "buy milk", "call Bob", "dust shelves"]),
        ("-title", ["dust shelves", "call Bob", "buy milk", "alpha report", "50% off sale"]),
        # UTC instants: call Bob is due 2026-12-02T04:00Z; todos without a due date come last either way.
        ("due_at", ["dust shelves", "call Bob", "alpha report", "buy milk", "50% off sale"]),
        ("-due_at", ["alpha report", "call Bob", "dust shelves", "50% off sale", "buy milk"]),
        ("priority", ["buy milk", "50% off sale", "call Bob", "dust shelves", "alpha report"]),
        ("-priority", ["alpha report", "dust shelves", "call Bob", "50% off sale", "buy milk"]),
    ],
)
def test_every_sort_order(client, auth_headers, seeded, sort, expected):
    assert _titles(client.get(f"/api/todos?sort={sort}", headers=auth_headers)) == expected


def test_updated_at_sort_follows_the_latest_change(client, auth_headers, seeded):
    client.patch(f"/api/todos/{seeded['buy milk']['id']}", json={"done": False}, headers=auth_headers)
    assert _titles(client.get("/api/todos?sort=-updated_at", headers=auth_headers))[0] == "buy milk"
    assert _titles(client.get("/api/todos?sort=updated_at", headers=auth_headers))[-1] == "buy milk"
