"""The knowledge base: articles ``KB-n`` with revisions (``articles``), Markdown files in
and out (``markdown``, ``files``), articles used on incidents (``usage``), diagnostic
runbooks (``runbook``) and ``report kb`` (``report``)."""
