"""The S3 client: every request the buildpack and its commands send to the bucket.

The calls an ordinary build makes (the listing, the PUTs, the CORS read) are signed here and sent
over urllib3, where the benchmark shows botocore's per-request machinery costs most of the time;
the rarer ones (reading and deleting records for ``prune_static``) go through boto3, configured
once. Both sit behind one abstraction, ``Bucket``. Imports nothing of the project but ``config``
and ``errors``.
"""
