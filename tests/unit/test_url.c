/* Endpoint URLs under a base, and URLs with their credentials hidden. */
#include "sprout/llm.h"
#include "test.h"

static void endpoint(const char *base, const char *path, const char *want)
{
	char out[256];
	sprout_url_endpoint(base, path, out, sizeof out);
	CHECK_STR(out, want);
}

static void endpoint_goes_before_the_query(void)
{
	endpoint("http://127.0.0.1:8000", "chat/completions",
		 "http://127.0.0.1:8000/v1/chat/completions");
	endpoint("http://h/v1/", "messages", "http://h/v1/messages");
	endpoint("https://x.openai.azure.com/openai/deployments/d?api-version=2024-06-01",
		 "chat/completions",
		 "https://x.openai.azure.com/openai/deployments/d/v1/chat/completions"
		 "?api-version=2024-06-01");
	endpoint("http://h/v1?a=1#f", "embeddings", "http://h/v1/embeddings?a=1#f");
	endpoint("http://h//?x=/v1", "embeddings", "http://h/v1/embeddings?x=/v1");
	char small[8];
	sprout_url_endpoint("http://a-long-host", "chat/completions", small, sizeof small);
	CHECK_STR(small, "http://");
}

static void redact(const char *url, const char *want)
{
	char out[256];
	sprout_url_redact(url, out, sizeof out);
	CHECK_STR(out, want);
}

static void credentials_are_hidden(void)
{
	redact("http://127.0.0.1:8000/v1", "http://127.0.0.1:8000/v1");
	redact("http://user:KEY@host:1/v1/chat", "http://user:***@host:1/v1/chat");
	redact("https://sk-123@host/v1", "https://***@host/v1");
	redact("http://u:p@ss@host/x", "http://u:***@host/x"); /* the last '@' ends it */
	redact("http://host/path@x", "http://host/path@x");    /* '@' after the host */
	redact("http://h/v1?api_key=SECRET&api-version=2024-06-01",
	       "http://h/v1?api_key=***&api-version=2024-06-01");
	redact("http://h/?Token=a&sig=b&code=c&model=m&X-Auth=d&password=e#frag",
	       "http://h/?Token=***&sig=***&code=***&model=m&X-Auth=***&password=***#frag");
	redact("http://h/?keyless&codec=x&=v", "http://h/?keyless&codec=x&=v");
	redact("", "");
	char small[12];
	sprout_url_redact("http://u:SECRETSECRET@h", small, sizeof small);
	CHECK_STR(small, "http://u:**");
	CHECK(!strstr(small, "SECRET"));
}

SUITE(url_tests) = {
    T(endpoint_goes_before_the_query),
    T(credentials_are_hidden),
    {NULL, NULL},
};
