/* Back-translation through one long-lived Apertium pipeline: the two
 * directions of a language pair, run in null-flush mode, so each text sent
 * with a NUL after it comes back with a NUL after it while the pipeline
 * keeps running. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "makers/augment_internal.h"

#define MODES_DIR "/usr/share/apertium/modes"
#define STALL_MS  60000 /* no progress for this long: the pipeline is stuck */

extern char **environ;

struct apertium {
	pid_t pid;
	int in, out; /* we write to in, read from out */
	sprout_buf rbuf;
};

/* Run a command and capture its output (the null-flush mode script). */
static int capture(char *const argv[], sprout_buf *out)
{
	int fd[2];
	if (pipe(fd))
		return -1;
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fd[1], 1);
	posix_spawn_file_actions_addclose(&fa, fd[0]);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	pid_t pid;
	int rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(fd[1]);
	if (rc) {
		close(fd[0]);
		return -1;
	}
	char tmp[4096];
	ssize_t k;
	while ((k = read(fd[0], tmp, sizeof tmp)) > 0)
		if (sprout_buf_add(out, tmp, (size_t)k))
			break;
	close(fd[0]);
	int status;
	waitpid(pid, &status, 0);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 && out->len ? 0 : -1;
}

static int mode_script(const char *pair, sprout_buf *out, sprout_error *err)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s.mode", MODES_DIR, pair);
	if (access(path, R_OK) != 0) {
		sprout_error_set(err, SPROUT_ERR_IO,
				 "backtranslate needs the Apertium pair %s (%s not found); install "
				 "the Debian packages apertium and apertium-%s",
				 pair, path, pair);
		return -1;
	}
	char *argv[] = {"apertium-wblank-mode", "-z", path, NULL};
	if (capture(argv, out)) {
		sprout_error_set(
		    err, SPROUT_ERR_IO,
		    "backtranslate cannot run apertium-wblank-mode; install the Debian "
		    "package apertium");
		return -1;
	}
	while (out->len && (out->data[out->len - 1] == '\n' || out->data[out->len - 1] == ' '))
		out->data[--out->len] = '\0';
	return 0;
}

struct apertium *apertium_open(const char *pair, sprout_error *err)
{
	/* "eng-spa" goes there and back: eng-spa then spa-eng */
	const char *dash = strchr(pair, '-');
	if (!dash || dash == pair || !dash[1] || strlen(pair) > 64 || strchr(pair, '/')) {
		sprout_error_set(err, SPROUT_ERR_USAGE,
				 "bad Apertium pair '%s' (expected SRC-DST, like eng-spa)", pair);
		return NULL;
	}
	char back[80];
	snprintf(back, sizeof back, "%s-%.*s", dash + 1, (int)(dash - pair), pair);
	sprout_buf there = SPROUT_BUF_INIT(1 << 20), again = SPROUT_BUF_INIT(1 << 20),
		   script = SPROUT_BUF_INIT(1 << 21);
	struct apertium *ap = NULL;
	if (mode_script(pair, &there, err) || mode_script(back, &again, err))
		goto done;
	if (sprout_buf_add(&script, there.data, there.len) || sprout_buf_adds(&script, " | ") ||
	    sprout_buf_add(&script, again.data, again.len)) {
		sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
		goto done;
	}
	int in[2], out[2];
	if (pipe(in)) {
		sprout_error_set(err, SPROUT_ERR_IO, "pipe: %s", strerror(errno));
		goto done;
	}
	if (pipe(out)) {
		close(in[0]);
		close(in[1]);
		sprout_error_set(err, SPROUT_ERR_IO, "pipe: %s", strerror(errno));
		goto done;
	}
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, in[0], 0);
	posix_spawn_file_actions_adddup2(&fa, out[1], 1);
	posix_spawn_file_actions_addclose(&fa, in[1]);
	posix_spawn_file_actions_addclose(&fa, out[0]);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	/* the mode scripts read $1 (generation flag) and $2 (tagger flag):
	 * -n is apertium -u, no marks on unknown words */
	char *argv[] = {"sh", "-c", script.data, "sh", "-n", "", NULL};
	pid_t pid;
	int rc = posix_spawnp(&pid, "sh", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(in[0]);
	close(out[1]);
	if (rc) {
		close(in[1]);
		close(out[0]);
		sprout_error_set(err, SPROUT_ERR_IO, "cannot start Apertium: %s", strerror(rc));
		goto done;
	}
	ap = calloc(1, sizeof *ap);
	if (!ap) {
		close(in[1]);
		close(out[0]);
		kill(pid, SIGTERM);
		waitpid(pid, NULL, 0);
		sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
		goto done;
	}
	ap->pid = pid;
	ap->in = in[1];
	ap->out = out[0];
	fcntl(ap->in, F_SETFL, fcntl(ap->in, F_GETFL) | O_NONBLOCK);
	fcntl(ap->in, F_SETFD, FD_CLOEXEC);
	fcntl(ap->out, F_SETFD, FD_CLOEXEC);
	sprout_buf_init(&ap->rbuf, (size_t)1 << 30);
done:
	sprout_buf_release(&there);
	sprout_buf_release(&again);
	sprout_buf_release(&script);
	return ap;
}

void apertium_close(struct apertium *ap)
{
	if (!ap)
		return;
	close(ap->in);
	/* the pipeline ends when its input does; do not wait for ever */
	for (int i = 0; i < 50; i++) {
		if (waitpid(ap->pid, NULL, WNOHANG) == ap->pid)
			goto reaped;
		usleep(20000);
	}
	kill(ap->pid, SIGTERM);
	waitpid(ap->pid, NULL, 0);
reaped:
	close(ap->out);
	sprout_buf_release(&ap->rbuf);
	free(ap);
}

/* Escape the characters the Apertium stream format reserves. */
static sprout_code escape(sprout_buf *b, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '\0')
			c = ' ';
		if (strchr("\\[]^$/@<>{}", c) && sprout_buf_addc(b, '\\'))
			return SPROUT_ERR_NOMEM;
		if (sprout_buf_addc(b, c))
			return SPROUT_ERR_NOMEM;
	}
	/* a line end keeps the last punctuation mark: "card." not "card" */
	return sprout_buf_add(b, "\n\0", 2);
}

/* Undo escapes, drop format blanks, trim. */
static char *unescape(sprout_arena *a, const char *s, size_t n)
{
	char *o = sprout_arena_alloc(a, n + 1);
	if (!o)
		return NULL;
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\\' && i + 1 < n) {
			o[k++] = s[++i];
			continue;
		}
		if (s[i] == '[' || s[i] == ']')
			continue; /* blanks the pipeline added */
		o[k++] = s[i];
	}
	size_t b = 0;
	while (b < k && (o[b] == ' ' || o[b] == '\n'))
		b++;
	while (k > b && (o[k - 1] == ' ' || o[k - 1] == '\n'))
		k--;
	memmove(o, o + b, k - b);
	o[k - b] = '\0';
	return o;
}

sprout_code apertium_roundtrip(struct apertium *ap, const char *const *texts, const size_t *lens,
			       size_t n, sprout_arena *a, char **out, sprout_error *err)
{
	sprout_buf w = SPROUT_BUF_INIT((size_t)1 << 34);
	for (size_t i = 0; i < n; i++)
		if (escape(&w, texts[i], lens[i])) {
			sprout_buf_release(&w);
			return sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
		}
	size_t sent = 0, got = 0;
	sprout_buf_clear(&ap->rbuf);
	size_t seg_start = 0;
	sprout_code rc = SPROUT_OK;
	while (got < n) {
		struct pollfd pf[2] = {{ap->out, POLLIN, 0}, {ap->in, POLLOUT, 0}};
		int np = sent < w.len ? 2 : 1;
		int pr = poll(pf, (nfds_t)np, STALL_MS);
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr <= 0) {
			rc = sprout_error_set(err, SPROUT_ERR_IO,
					      "Apertium gave no answer for %d s", STALL_MS / 1000);
			break;
		}
		if (np == 2 && (pf[1].revents & (POLLOUT | POLLERR | POLLHUP))) {
			ssize_t k = write(ap->in, w.data + sent, w.len - sent);
			if (k < 0 && errno != EAGAIN && errno != EINTR) {
				rc = sprout_error_set(err, SPROUT_ERR_IO, "Apertium stopped: %s",
						      strerror(errno));
				break;
			}
			if (k > 0)
				sent += (size_t)k;
		}
		if (pf[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			char tmp[65536];
			ssize_t k = read(ap->out, tmp, sizeof tmp);
			if (k <= 0) {
				rc =
				    sprout_error_set(err, SPROUT_ERR_IO,
						     "Apertium stopped before answering all texts");
				break;
			}
			if (sprout_buf_add(&ap->rbuf, tmp, (size_t)k)) {
				rc = sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
				break;
			}
			/* every NUL ends one answer */
			for (size_t i = ap->rbuf.len - (size_t)k; i < ap->rbuf.len && got < n;
			     i++) {
				if (ap->rbuf.data[i] != '\0')
					continue;
				out[got] = unescape(a, ap->rbuf.data + seg_start, i - seg_start);
				if (!out[got]) {
					rc = sprout_error_set(err, SPROUT_ERR_NOMEM,
							      "out of memory");
					break;
				}
				got++;
				seg_start = i + 1;
			}
			if (rc)
				break;
		}
	}
	sprout_buf_release(&w);
	return rc;
}
