"""Which files a change reaches, and when Django's passes are sure to settle."""

from django_s3_static.collect.reference_graph import reached, settling_problem

GRAPH = {
    "css/site.css": ["css/base.css", "img/logo.png"],
    "css/base.css": ["img/bg.png"],
    "css/print.css": ["img/logo.png"],
    "js/app.js": ["js/app.js.map"],
}


def test_a_change_reaches_its_referrers_transitively_and_nothing_else():
    assert reached({"img/bg.png"}, GRAPH) == {"img/bg.png", "css/base.css", "css/site.css"}
    assert reached({"img/logo.png"}, GRAPH) == {"img/logo.png", "css/site.css", "css/print.css"}
    assert reached({"js/app.js.map"}, GRAPH) == {"js/app.js.map", "js/app.js"}


def test_a_file_nothing_refers_to_reaches_only_itself():
    assert reached({"css/site.css"}, GRAPH) == {"css/site.css"}
    assert reached({"img/unused.png"}, GRAPH) == {"img/unused.png"}
    assert reached(set(), GRAPH) == set()


def test_a_removed_or_added_name_reaches_the_files_that_named_it():
    """A reference to a file that did not exist is recorded too: adding it reaches them."""
    graph = {"css/a.css": ["img/missing.png"]}
    assert reached({"img/missing.png"}, graph) == {"img/missing.png", "css/a.css"}


def test_a_graph_of_four_levels_settles_in_five_passes():
    chain = {f"css/{i}.css": [f"css/{i + 1}.css"] for i in range(4)}
    chain["css/4.css"] = ["img/x.png"]  # css/4.css has references, to a file with none
    assert settling_problem(chain, 5) is None


def test_deeper_chains_are_left_to_the_full_collect_with_the_chain_named():
    chain = {f"css/{i}.css": [f"css/{i + 1}.css"] for i in range(5)}
    chain["css/5.css"] = ["img/x.png"]
    problem = settling_problem(chain, 5)
    assert problem == (
        "references nest 6 files deep (css/0.css -> css/1.css -> css/2.css -> ... -> css/5.css), "
        "more than Django's 5 post-processing passes are sure to settle"
    )
    assert settling_problem(chain, 6) is None


def test_files_without_references_of_their_own_are_no_link():
    """A stylesheet none of whose references Django rewrote is written as it is: referring to
    it costs no pass."""
    graph = {"css/a.css": ["css/plain.css", "img/x.png"]}
    assert settling_problem(graph, 1) is None


def test_a_cycle_is_named():
    graph = {"css/a.css": ["css/b.css"], "css/b.css": ["css/c.css"], "css/c.css": ["css/a.css"]}
    assert settling_problem(graph, 5) == (
        "css/a.css -> css/b.css -> css/c.css -> css/a.css refer to each other, which Django "
        "cannot hash to an end"
    )


def test_a_file_referring_to_itself_is_a_cycle():
    assert settling_problem({"css/a.css": ["css/a.css"]}, 5) == (
        "css/a.css -> css/a.css refer to each other, which Django cannot hash to an end"
    )


def test_a_long_graph_is_walked_without_recursion():
    chain = {f"c/{i:05d}.css": [f"c/{i + 1:05d}.css"] for i in range(5000)}
    chain["c/05000.css"] = ["x.png"]
    assert "5001 files deep" in settling_problem(chain, 5)
    shared = {f"c/{i:05d}.css": ["c/base.css"] for i in range(5000)}
    shared["c/base.css"] = ["x.png"]
    assert settling_problem(shared, 5) is None
