"""The committed static cache: the format the build writes, git keeps, and the dyno reads.

Reading, writing and checking it (``static_cache``), the safety of the names it holds
(``names``) and the record of how the finders answered (``finders_record``). Imports nothing of
the project but ``config`` and ``errors``: the build, the commands and the dyno all read it.
"""
