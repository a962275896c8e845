"""The deployed API compresses its answers from the stage's minimum_compression_size, as the local API server does."""

from devtools.local.compression import CLOUDFRONT_MINIMUM


def test_the_packaged_rest_api_compresses_from_the_stages_size(template):
    assert template["Resources"]["RestAPI"]["Properties"]["MinimumCompressionSize"] == CLOUDFRONT_MINIMUM
