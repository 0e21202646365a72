import pytest

from instapd import Config, UnknownPropertyError, UsageError, connect
from instapd.config import parse_connection_string


def test_cdata_names_python_names_and_env_layer_in_order() -> None:
    env = {"INSTAPD_BUSINESS_ACCOUNT_ID": "1", "INSTAPD_VERSION": "23", "INSTAPD_PAGESIZE": "50"}
    config = Config.from_properties(
        "businessaccountid=2;Timeout=5", environ=env, business_account_id="3"
    )
    assert config.business_account_id == "3"  # keyword beats string beats environment
    assert config.version == "v23.0"
    assert config.timeout == 5
    assert config.page_size == 50


def test_connection_string_quoting() -> None:
    parsed = parse_connection_string("A=1; B='x;y' ;C=\"z=w\";")
    assert parsed == {"A": "1", "B": "x;y", "C": "z=w"}
    with pytest.raises(UsageError, match="Key=Value"):
        parse_connection_string("no equals sign")


def test_unknown_property_names_close_matches() -> None:
    with pytest.raises(UnknownPropertyError, match="BusinessAccountId"):
        Config.from_properties(BusinesAccountId="1", environ={})


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("InitiateOAuth", "SOMETIMES", "GETANDREFRESH"),
        ("Pagesize", "500", "between 1 and 100"),
        ("Version", "latest", "v25.0"),
        ("Sandbox", "maybe", "true or false"),
    ],
)
def test_invalid_values_say_what_is_expected(name: str, value: str, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        Config.from_properties(environ={}, **{name: value})


def test_secrets_never_show_in_reprs() -> None:
    connection = connect(OAuthAccessToken="tok-SECRET-1", OAuthClientSecret="app-SECRET-2")
    text = repr(connection.config) + repr(connection)
    assert "SECRET" not in text
    assert "access_token='***'" in repr(connection.config)


def test_constructing_a_connection_does_no_io() -> None:
    connection = connect(graph_url="http://127.0.0.1:9", access_token="x")
    assert connection._client is None


def test_a_graph_url_given_beats_the_sandbox_from_the_environment() -> None:
    environ = {"INSTAPD_SANDBOX": "1"}
    assert Config.from_properties(environ=environ).sandbox is True
    given = Config.from_properties(environ=environ, GraphURL="http://127.0.0.1:9/")
    assert given.sandbox is False
    both = Config.from_properties(environ=environ, GraphURL="http://127.0.0.1:9/", Sandbox=True)
    assert both.sandbox is True


def test_instagram_login_changes_the_defaults_that_were_not_given() -> None:
    config = Config.from_properties(environ={"INSTAPD_AUTH_SCHEME": "instagramlogin"})
    assert config.auth_scheme == "InstagramLogin"
    assert config.graph_url == "https://graph.instagram.com"
    given = Config.from_properties(
        "AuthScheme=InstagramLogin", environ={"INSTAPD_GRAPH_URL": "https://graph.example.org"}
    )
    assert given.graph_url == "https://graph.example.org"
    assert Config.from_properties(environ={}).graph_url == "https://graph.facebook.com"
    app = connect(AuthScheme="InstagramLogin", OAuthClientId="123", OAuthClientSecret="s")
    oauth = app.oauth_app()
    assert oauth.dialog_url == "https://www.instagram.com/oauth/authorize"
    assert oauth.token_url == "https://api.instagram.com/oauth/access_token"
    assert app.scopes[0] == "instagram_business_basic"
    assert "instagram_business_content_publish" in app.scopes
    own = connect(AuthScheme="InstagramLogin", OAuthClientId="1", token_url="https://t.example/x")
    assert own.oauth_app().token_url == "https://t.example/x"


def test_instagram_login_config_built_directly_has_its_api_root() -> None:
    assert Config(auth_scheme="InstagramLogin").graph_url == "https://graph.instagram.com"
    switched = Config().with_(auth_scheme="InstagramLogin")
    assert switched.graph_url == "https://graph.instagram.com"
