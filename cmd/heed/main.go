// Command heed runs heed's engine natively: model information, tokenisation,
// synthetic models, generation with GUIDE, and Influence.
//
// Exit status: 0 on success, 1 when the command failed (bad model file,
// generation error), 2 when the command line itself is wrong.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
)

// command is one subcommand. run receives the arguments after the command name.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, env *env, args []string) error
}

// env is what a command may touch: its output streams, so tests can capture them.
type env struct {
	stdout, stderr io.Writer
}

var commands = map[string]command{}

// register adds a subcommand; each command file calls it from init.
func register(c command) { commands[c.name] = c }

// usageError marks an error in the command line (exit status 2).
type usageError struct{ err error }

func (u usageError) Error() string { return u.err.Error() }
func (u usageError) Unwrap() error { return u.err }

func usagef(format string, args ...any) error {
	return usageError{fmt.Errorf(format, args...)}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := runMain(ctx, os.Args[1:], &env{stdout: os.Stdout, stderr: os.Stderr})
	stop()
	os.Exit(code)
}

// runMain dispatches to a subcommand and maps its error to an exit status.
func runMain(ctx context.Context, args []string, e *env) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		printUsage(e.stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(e.stderr, "heed: unknown command %q\n\n", args[0])
		printUsage(e.stderr)
		return 2
	}
	err := c.run(ctx, e, args[1:])
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, new(usageError)):
		fmt.Fprintf(e.stderr, "heed %s: %v\n", c.name, err)
		return 2
	default:
		fmt.Fprintf(e.stderr, "heed %s: %v\n", c.name, err)
		return 1
	}
}

func printUsage(w io.Writer) {
	fmt.Fprintln(w, "usage: heed COMMAND [flags] [MODEL] [ARGS]")
	fmt.Fprintln(w, "\nMODEL is a .gguf file; when omitted, the default model (models/stories260K.gguf) is used.")
	fmt.Fprintln(w, "\ncommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nRun 'heed COMMAND -h' for a command's flags.")
}

// newFlags returns a flag set that reports errors instead of exiting, with usage
// text written to the command's stderr.
func newFlags(e *env, name, args string) *flag.FlagSet {
	fs := flag.NewFlagSet("heed "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintf(e.stderr, "usage: heed %s [flags] %s\n", name, args)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args, allowing flags after positional arguments
// (heed run MODEL "prompt" --json) as users expect.
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, usageError{err}
		}
		args = fs.Args()
		if len(args) == 0 {
			return positional, nil
		}
		if args[0] == "--" {
			return append(positional, args[1:]...), nil
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
}

// splitModelArg separates an optional leading MODEL argument (a path ending in
// .gguf) from the rest. want is how many non-model arguments the command takes.
func splitModelArg(args []string, want int) (model string, rest []string, err error) {
	if len(args) > 0 && strings.HasSuffix(strings.ToLower(args[0]), ".gguf") {
		model, args = args[0], args[1:]
	}
	if len(args) != want {
		return "", nil, usagef("expected %d argument(s) after the optional MODEL, got %d", want, len(args))
	}
	return model, args, nil
}
