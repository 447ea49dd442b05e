/* bench/fastllm.c - a stand-in chat server that answers at once, for
 * measuring sprout's own cost per request (bench/llm.sh). Not a test
 * fixture: tests use tests/fakes/llm_server.py, which can be scripted.
 *
 *   fastllm PORT_FILE        listens on 127.0.0.1, a free port written to
 *                            PORT_FILE; runs until killed
 *
 * One thread, epoll, HTTP/1.1 keep-alive. Every POST gets the same OpenAI
 * chat completion, whose content is {"items":[{"text":...},...]} with
 * enough items for any method; the body of the request is read and
 * dropped. */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAXCONN 4096
#define BUF 65536

static const char body[] =
	"{\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion\",\"model\":\"bench\","
	"\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":"
	"\"{\\\"items\\\":[{\\\"text\\\":\\\"Could you tell me how to do this, step by "
	"step?\\\"},{\\\"text\\\":\\\"Please explain how this is done.\\\"},{\\\"text\\\":"
	"\\\"What are the steps to do this?\\\"}]}\"},\"finish_reason\":\"stop\"}],"
	"\"usage\":{\"prompt_tokens\":120,\"completion_tokens\":30,\"total_tokens\":150}}";

struct conn {
	char in[BUF];
	size_t len;
};

static struct conn *conns[MAXCONN];

/* Bytes of one whole request at the start of c->in, or 0 if not all here. */
static size_t request_size(const struct conn *c)
{
	const char *end = memmem(c->in, c->len, "\r\n\r\n", 4);
	if (!end)
		return 0;
	size_t head = (size_t)(end - c->in) + 4, blen = 0;
	for (const char *p = c->in; p < end; p++) {
		if ((p == c->in || p[-1] == '\n') && !strncasecmp(p, "content-length:", 15)) {
			blen = strtoul(p + 15, NULL, 10);
			break;
		}
	}
	return c->len >= head + blen ? head + blen : 0;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: fastllm PORT_FILE\n");
		return 2;
	}
	char reply[4096];
	int rlen = snprintf(reply, sizeof reply,
			    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
			    "Content-Length: %zu\r\n\r\n%s",
			    strlen(body), body);
	int ls = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	int one = 1;
	setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	struct sockaddr_in a = {0};
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	socklen_t alen = sizeof a;
	if (bind(ls, (struct sockaddr *)&a, sizeof a) || listen(ls, 1024) ||
	    getsockname(ls, (struct sockaddr *)&a, &alen)) {
		perror("fastllm");
		return 1;
	}
	char tmp[4096];
	snprintf(tmp, sizeof tmp, "%s.tmp", argv[1]);
	FILE *f = fopen(tmp, "w");
	if (!f || fprintf(f, "%d", ntohs(a.sin_port)) < 0 || fclose(f) || rename(tmp, argv[1])) {
		perror("fastllm: port file");
		return 1;
	}
	int ep = epoll_create1(0);
	struct epoll_event ev = {.events = EPOLLIN, .data.fd = ls};
	epoll_ctl(ep, EPOLL_CTL_ADD, ls, &ev);
	struct epoll_event evs[256];
	for (;;) {
		int n = epoll_wait(ep, evs, 256, -1);
		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;
			if (fd == ls) {
				int c;
				while ((c = accept4(ls, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
					if (c >= MAXCONN || !(conns[c] = calloc(1, sizeof **conns))) {
						close(c);
						continue;
					}
					setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
					struct epoll_event ce = {.events = EPOLLIN, .data.fd = c};
					epoll_ctl(ep, EPOLL_CTL_ADD, c, &ce);
				}
				continue;
			}
			struct conn *c = conns[fd];
			ssize_t got = read(fd, c->in + c->len, BUF - c->len);
			if (got <= 0) {
				if (got < 0 && errno == EAGAIN)
					continue;
				close(fd);
				free(c);
				conns[fd] = NULL;
				continue;
			}
			c->len += (size_t)got;
			size_t sz;
			while ((sz = request_size(c))) {
				/* the answer is small: one write goes out whole */
				if (write(fd, reply, (size_t)rlen) != rlen)
					break;
				memmove(c->in, c->in + sz, c->len - sz);
				c->len -= sz;
			}
			if (c->len == BUF) { /* a request larger than the buffer: drop it */
				close(fd);
				free(c);
				conns[fd] = NULL;
			}
		}
	}
}
