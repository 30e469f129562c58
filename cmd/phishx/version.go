package main

import (
	"encoding/json"
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

func newVersionCmd(g *globalFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version of phishx and of the pieces it carries",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			info := map[string]string{"phishx": version, "go": runtime.Version()}
			if bi, ok := debug.ReadBuildInfo(); ok {
				for _, s := range bi.Settings {
					if s.Key == "vcs.revision" {
						info["commit"] = s.Value
					}
				}
			}
			out := cmd.OutOrStdout()
			if g.json {
				return json.NewEncoder(out).Encode(info)
			}
			fmt.Fprintf(out, "phishx %s (%s)\n", info["phishx"], info["go"])
			if c := info["commit"]; c != "" {
				fmt.Fprintf(out, "commit %s\n", c)
			}
			return nil
		},
	}
}
