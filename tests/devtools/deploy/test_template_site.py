"""The packaged template's app on one origin: the UI in a private bucket read only by the distribution, the API under
/api/ uncached with the viewer's headers, the UI's security headers, the app's URL, an optional custom domain; and the
per-address limit counting viewers, not CloudFront, when the API is reached through the distribution."""

import html
import json
import re
import shutil
import subprocess

import pytest

from devtools.ui import build as ui
from tests.devtools.deploy.stack_options import created

# Managed CloudFront policies (their ids are the same in every account).
CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"
CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
ALL_VIEWER_EXCEPT_HOST = "b689b0a8-53d0-40ab-baf2-68738e2966ac"
ALL_METHODS = {"GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST", "DELETE"}
DISTRIBUTION_ARN = {"Fn::Sub": "arn:${AWS::Partition}:cloudfront::${AWS::AccountId}:distribution/${AppDistribution}"}


@pytest.fixture(scope="module")
def resources(template):
    return created(template)["Resources"]


@pytest.fixture(scope="module")
def distribution(resources):
    return resources["AppDistribution"]["Properties"]["DistributionConfig"]


def origin(distribution, origin_id):
    (found,) = [o for o in distribution["Origins"] if o["Id"] == origin_id]
    return found


def api_behaviour(distribution):
    (behaviour,) = distribution["CacheBehaviors"]
    return behaviour


def security_headers(resources):
    return resources["SiteHeaders"]["Properties"]["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]


def test_the_site_bucket_is_private_encrypted_not_a_website_and_goes_with_the_stack(resources):
    bucket = resources["SiteBucket"]
    assert bucket["Type"] == "AWS::S3::Bucket"
    properties = bucket["Properties"]
    assert properties["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    (rule,) = properties["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rule["ServerSideEncryptionByDefault"] == {"SSEAlgorithm": "AES256"}
    assert properties["OwnershipControls"] == {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
    assert "WebsiteConfiguration" not in properties
    # Its files are rebuilt from the repository: make destroy empties it and the stack deletes it.
    assert bucket["DeletionPolicy"] == "Delete" and bucket["UpdateReplacePolicy"] == "Delete"


def test_only_this_distribution_may_read_the_bucket(resources):
    policy = resources["SiteBucketPolicy"]["Properties"]
    assert policy["Bucket"] == {"Ref": "SiteBucket"}
    (statement,) = policy["PolicyDocument"]["Statement"]
    assert statement["Effect"] == "Allow"
    assert statement["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert statement["Action"] == "s3:GetObject"
    assert statement["Resource"] == {"Fn::Sub": "${SiteBucket.Arn}/*"}
    assert statement["Condition"] == {"StringEquals": {"AWS:SourceArn": DISTRIBUTION_ARN}}


def test_the_distribution_reaches_the_bucket_through_an_origin_access_control(resources, distribution):
    control = resources["SiteOriginAccessControl"]["Properties"]["OriginAccessControlConfig"]
    assert control["OriginAccessControlOriginType"] == "s3"
    assert (control["SigningBehavior"], control["SigningProtocol"]) == ("always", "sigv4")
    site = origin(distribution, "site")
    assert site["DomainName"] == {"Fn::GetAtt": ["SiteBucket", "RegionalDomainName"]}
    assert site["OriginAccessControlId"] == {"Fn::GetAtt": ["SiteOriginAccessControl", "Id"]}
    assert site["S3OriginConfig"] == {"OriginAccessIdentity": ""}  # no legacy identity


def test_the_ui_is_the_default_behaviour_over_https_compressed_and_cached_until_a_deployment(distribution):
    assert distribution["Enabled"] is True
    assert distribution["DefaultRootObject"] == "index.html"
    behaviour = distribution["DefaultCacheBehavior"]
    assert behaviour["TargetOriginId"] == "site"
    assert behaviour["ViewerProtocolPolicy"] == "redirect-to-https"
    assert behaviour["Compress"] is True
    assert set(behaviour["AllowedMethods"]) == {"GET", "HEAD"}
    assert behaviour["CachePolicyId"] == CACHING_OPTIMIZED
    assert behaviour["ResponseHeadersPolicyId"] == {"Ref": "SiteHeaders"}


def test_api_paths_go_to_the_rest_api_s_regional_endpoint_where_its_stage_is_api(template, distribution):
    behaviour = api_behaviour(distribution)
    assert behaviour["PathPattern"] == "/api/*" and behaviour["TargetOriginId"] == "api"
    api = origin(distribution, "api")
    assert api["DomainName"] == {"Fn::Sub": "${RestAPI}.execute-api.${AWS::Region}.${AWS::URLSuffix}"}
    # No origin path: /api/todos on the app is /api/todos on the API, whose stage is api.
    assert "OriginPath" not in api
    assert template["Resources"]["RestAPI"]["Properties"]["StageName"] == "api"
    assert template["Resources"]["RestAPI"]["Properties"]["EndpointConfiguration"] == "REGIONAL"
    config = api["CustomOriginConfig"]
    assert config["OriginProtocolPolicy"] == "https-only" and config["OriginSSLProtocols"] == ["TLSv1.2"]


def test_api_requests_take_every_method_are_never_cached_and_carry_the_viewer_s_headers_but_host(distribution):
    behaviour = api_behaviour(distribution)
    assert set(behaviour["AllowedMethods"]) == ALL_METHODS
    assert behaviour["CachePolicyId"] == CACHING_DISABLED
    # Authorization, If-Match, Content-Type and the rest reach the API; Host is the API's own.
    assert behaviour["OriginRequestPolicyId"] == ALL_VIEWER_EXCEPT_HOST
    assert behaviour["ViewerProtocolPolicy"] == "redirect-to-https"
    assert "ResponseHeadersPolicyId" not in behaviour  # the API's answers keep the API's own headers


def test_cloudfront_never_answers_an_error_with_a_page_of_its_own(distribution):
    assert "CustomErrorResponses" not in distribution


def test_the_ui_s_security_headers_override_anything_the_bucket_says(resources):
    headers = security_headers(resources)
    hsts = headers["StrictTransportSecurity"]
    assert hsts["AccessControlMaxAgeSec"] >= 31536000 and hsts["Override"] is True
    assert headers["ContentTypeOptions"] == {"Override": True}
    assert headers["FrameOptions"] == {"FrameOption": "DENY", "Override": True}
    assert headers["ReferrerPolicy"] == {"ReferrerPolicy": "no-referrer", "Override": True}
    assert headers["ContentSecurityPolicy"]["Override"] is True


def test_the_content_security_policy_is_the_ui_s_own_with_the_api_on_the_page_s_origin(resources):
    policy = security_headers(resources)["ContentSecurityPolicy"]["ContentSecurityPolicy"]["Fn::Sub"]
    directives = dict(d.split(" ", 1) for d in policy.split("; "))
    assert directives["default-src"] == "'none'" and directives["script-src"] == "'self'"
    assert directives["connect-src"] == "'self' https://cognito-idp.${AWS::Region}.amazonaws.com"
    assert directives["frame-ancestors"] == "'none'"
    # The page make deploy publishes for an app at `origin` carries the same policy in its <meta> tag.
    origin = "https://d111111abcdef8.cloudfront.net"
    page = ui.api_files(origin + "/api/", "prod", {"userPoolId": "p", "clientId": "c", "region": "eu-west-1"})
    meta = re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"', page[ui.PAGE].decode())[1]
    served = policy.replace("${AWS::Region}", "eu-west-1")
    assert html.unescape(meta).replace(origin, "'self'") + "; frame-ancestors 'none'" == served


def test_outputs_give_the_app_s_https_url_and_what_make_deploy_needs(template):
    outputs = created(template)["Outputs"]
    assert outputs["AppURL"]["Value"] == {"Fn::Sub": "https://${AppDistribution.DomainName}/"}
    assert outputs["AppDistributionId"]["Value"] == {"Ref": "AppDistribution"}
    assert outputs["SiteBucketName"]["Value"] == {"Ref": "SiteBucket"}
    assert outputs["AppDistributionDomain"]["Value"] == {"Fn::GetAtt": ["AppDistribution", "DomainName"]}
    # The API's own URL stays, for curl, httpie and the aws CLI.
    assert "execute-api" in outputs["EndpointURL"]["Value"]["Fn::Sub"]


def test_no_custom_domain_by_default_and_the_default_certificate(template, distribution):
    assert template["Parameters"]["AppDomain"]["Default"] == ""
    assert template["Parameters"]["AppCertificateArn"]["Default"] == ""
    assert "Aliases" not in distribution
    assert distribution["ViewerCertificate"] == {"CloudFrontDefaultCertificate": True}


def test_a_custom_domain_is_an_alias_with_its_us_east_1_certificate_and_becomes_the_app_s_url(template):
    arn = "arn:aws:acm:us-east-1:123456789012:certificate/0b1c2d3e-aaaa-bbbb-cccc-0123456789ab"
    stack = created(template, AppDomain="todo.example.com", AppCertificateArn=arn)
    config = stack["Resources"]["AppDistribution"]["Properties"]["DistributionConfig"]
    assert config["Aliases"] == [{"Ref": "AppDomain"}]
    assert config["ViewerCertificate"] == {
        "AcmCertificateArn": {"Ref": "AppCertificateArn"},
        "SslSupportMethod": "sni-only",
        "MinimumProtocolVersion": "TLSv1.2_2021",
    }
    assert stack["Outputs"]["AppURL"]["Value"] == {"Fn::Sub": "https://${AppDomain}/"}
    pattern = template["Parameters"]["AppCertificateArn"]["AllowedPattern"]
    assert re.fullmatch(pattern, arn) and re.fullmatch(pattern, "")
    assert not re.fullmatch(pattern, arn.replace("us-east-1", "eu-west-1"))
    domain = template["Parameters"]["AppDomain"]["AllowedPattern"]
    assert re.fullmatch(domain, "todo.example.com") and not re.fullmatch(domain, "https://todo.example.com/")


def test_a_domain_and_its_certificate_are_given_together(template):
    rules = template["Rules"]
    domain_set = {"Fn::Not": [{"Fn::Equals": [{"Ref": "AppDomain"}, ""]}]}
    certificate_set = {"Fn::Not": [{"Fn::Equals": [{"Ref": "AppCertificateArn"}, ""]}]}
    assert rules["AppDomainNeedsCertificate"]["RuleCondition"] == domain_set
    assert rules["AppDomainNeedsCertificate"]["Assertions"][0]["Assert"] == certificate_set
    assert rules["CertificateNeedsAppDomain"]["RuleCondition"] == certificate_set
    assert rules["CertificateNeedsAppDomain"]["Assertions"][0]["Assert"] == domain_set


def test_without_the_web_acl_no_viewer_address_function_or_origin_secret(distribution, resources):
    assert "ViewerAddress" not in resources
    assert "FunctionAssociations" not in api_behaviour(distribution)
    assert "OriginCustomHeaders" not in origin(distribution, "api")


def run_function(code, viewer_ip, headers):
    """The CloudFront function's handler run by Node.js on a viewer request; the request it passes on."""
    if shutil.which("node") is None:
        pytest.skip("Node.js runs the CloudFront function's code")
    event = {"viewer": {"ip": viewer_ip}, "request": {"method": "GET", "uri": "/api/todos", "headers": headers}}
    script = code + f"\nprocess.stdout.write(JSON.stringify(handler({json.dumps(event)})));\n"
    result = subprocess.run(["node", "-e", script], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_with_the_web_acl_requests_through_cloudfront_are_counted_by_the_viewer_s_address(template):
    stack = created(template, WebAcl="on")
    resources = stack["Resources"]
    config = resources["AppDistribution"]["Properties"]["DistributionConfig"]
    function = resources["ViewerAddress"]["Properties"]
    assert function["FunctionConfig"]["Runtime"] == "cloudfront-js-2.0" and function["AutoPublish"] is True
    assert api_behaviour(config)["FunctionAssociations"] == [
        {
            "EventType": "viewer-request",
            "FunctionARN": {"Fn::GetAtt": ["ViewerAddress", "FunctionMetadata.FunctionARN"]},
        }
    ]
    # The function writes the viewer's address over whatever the viewer sent under that name.
    request = run_function(function["FunctionCode"], "203.0.113.7", {"x-hobopy-viewer-address": {"value": "10.0.0.1"}})
    assert request["headers"]["x-hobopy-viewer-address"] == {"value": "203.0.113.7"}
    (secret_header,) = origin(config, "api")["OriginCustomHeaders"]
    assert secret_header["HeaderName"] == "x-hobopy-origin-verify"
    rules = {rule["Name"]: rule for rule in resources["ApiWebAcl"]["Properties"]["Rules"]}
    viewer = rules["requests-per-viewer-address"]["Statement"]["RateBasedStatement"]
    assert viewer["AggregateKeyType"] == "FORWARDED_IP"
    assert viewer["ForwardedIPConfig"]["HeaderName"] == "x-hobopy-viewer-address"
    from_cloudfront = viewer["ScopeDownStatement"]["ByteMatchStatement"]
    assert from_cloudfront["FieldToMatch"] == {"SingleHeader": {"Name": "x-hobopy-origin-verify"}}
    assert from_cloudfront["PositionalConstraint"] == "EXACTLY"
    assert from_cloudfront["SearchString"] == secret_header["HeaderValue"]
    # Anything else, a direct request naming any viewer address it likes among them, is counted by its source.
    direct = rules["requests-per-address"]["Statement"]["RateBasedStatement"]
    assert direct["ScopeDownStatement"] == {"NotStatement": {"Statement": viewer["ScopeDownStatement"]}}
    assert direct["AggregateKeyType"] == "IP"
