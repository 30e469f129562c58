package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/phishx/phishx/pipeline/api"
)

// credentials are what "phishx login" stores, 0600, under the user's
// config directory.
type credentials struct {
	Server       string    `json:"server"`
	AccessToken  string    `json:"access_token"`
	RefreshToken string    `json:"refresh_token"`
	ExpiresAt    time.Time `json:"expires_at"`
}

func credentialsPath() (string, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("config dir: %w", err)
	}
	return filepath.Join(dir, "phishx", "credentials.json"), nil
}

func saveCredentials(c credentials) error {
	p, err := credentialsPath()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return fmt.Errorf("create %s: %w", filepath.Dir(p), err)
	}
	raw, err := json.Marshal(c)
	if err != nil {
		return err
	}
	tmp := p + ".tmp"
	if err := os.WriteFile(tmp, raw, 0o600); err != nil {
		return fmt.Errorf("write credentials: %w", err)
	}
	if err := os.Chmod(tmp, 0o600); err != nil {
		return fmt.Errorf("chmod credentials: %w", err)
	}
	if err := os.Rename(tmp, p); err != nil {
		return fmt.Errorf("store credentials: %w", err)
	}
	return nil
}

func loadCredentials() (credentials, error) {
	var c credentials
	p, err := credentialsPath()
	if err != nil {
		return c, err
	}
	raw, err := os.ReadFile(p)
	if errors.Is(err, os.ErrNotExist) {
		return c, errors.New("not logged in: run phishx login")
	}
	if err != nil {
		return c, fmt.Errorf("read credentials: %w", err)
	}
	if err := json.Unmarshal(raw, &c); err != nil {
		return c, fmt.Errorf("credentials file: %w", err)
	}
	return c, nil
}

var apiHTTP = &http.Client{Timeout: 30 * time.Second}

// callAPI sends a JSON request and decodes a JSON answer; an error answer
// becomes an error with its code and message.
func callAPI(ctx context.Context, method, u, token string, in, out any) error {
	var body io.Reader
	if in != nil {
		raw, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := apiHTTP.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return fmt.Errorf("read answer: %w", err)
	}
	if resp.StatusCode >= 400 {
		var eb api.ErrorBody
		if json.Unmarshal(raw, &eb) == nil && eb.Error.Code != "" {
			return &apiError{Status: resp.StatusCode, Code: eb.Error.Code, Message: eb.Error.Message}
		}
		return &apiError{Status: resp.StatusCode, Code: "http", Message: resp.Status}
	}
	if out != nil && len(raw) > 0 {
		if err := json.Unmarshal(raw, out); err != nil {
			return fmt.Errorf("decode answer: %w", err)
		}
	}
	return nil
}

// apiError is an error answer from the control plane.
type apiError struct {
	Status        int
	Code, Message string
}

func (e *apiError) Error() string { return fmt.Sprintf("%s (%d): %s", e.Code, e.Status, e.Message) }

func newLoginCmd(g *globalFlags) *cobra.Command {
	var server, email string
	cmd := &cobra.Command{
		Use:   "login",
		Short: "Log in to the control plane and store tokens for later commands",
		Long: `Log in to the control plane. The password is read from the terminal, or
from stdin when it is not a terminal. Tokens are stored with mode 0600 in
the user's config directory (phishx/credentials.json).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if email == "" {
				return errors.New("--email is required")
			}
			pw, err := readPassword(cmd)
			if err != nil {
				return err
			}
			var tr api.TokenResponse
			if err := callAPI(cmd.Context(), "POST", strings.TrimRight(server, "/")+"/auth/login", "",
				api.LoginRequest{Email: email, Password: pw}, &tr); err != nil {
				return err
			}
			c := credentials{Server: strings.TrimRight(server, "/"), AccessToken: tr.AccessToken, RefreshToken: tr.RefreshToken,
				ExpiresAt: time.Now().Add(time.Duration(tr.ExpiresIn) * time.Second)}
			if err := saveCredentials(c); err != nil {
				return err
			}
			if g.json {
				return json.NewEncoder(cmd.OutOrStdout()).Encode(map[string]any{"role": tr.Role, "scopes": tr.Scopes})
			}
			fmt.Fprintf(cmd.OutOrStdout(), "logged in as %s with scopes %v\n", tr.Role, tr.Scopes)
			return nil
		},
	}
	cmd.Flags().StringVar(&server, "server", "http://127.0.0.1:8080", "control plane URL")
	cmd.Flags().StringVar(&email, "email", "", "account email")
	return cmd
}

func readPassword(cmd *cobra.Command) (string, error) {
	if f, ok := cmd.InOrStdin().(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(cmd.ErrOrStderr(), "Password: ")
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(cmd.ErrOrStderr())
		if err != nil {
			return "", fmt.Errorf("read password: %w", err)
		}
		return string(b), nil
	}
	b, err := io.ReadAll(io.LimitReader(cmd.InOrStdin(), 1024))
	if err != nil {
		return "", fmt.Errorf("read password: %w", err)
	}
	return strings.TrimRight(string(b), "\r\n"), nil
}

// authedCall runs call with the stored access token, refreshing it once
// (and storing the rotated pair) when it has expired or is refused.
func authedCall(ctx context.Context, call func(c credentials) error) error {
	c, err := loadCredentials()
	if err != nil {
		return err
	}
	if time.Now().Before(c.ExpiresAt.Add(-30 * time.Second)) {
		err = call(c)
		var ae *apiError
		if !errors.As(err, &ae) || ae.Status != http.StatusUnauthorized {
			return err
		}
	}
	var tr api.TokenResponse
	if err := callAPI(ctx, "POST", c.Server+"/auth/refresh", "", api.RefreshRequest{RefreshToken: c.RefreshToken}, &tr); err != nil {
		return fmt.Errorf("session expired, run phishx login: %w", err)
	}
	c.AccessToken, c.RefreshToken = tr.AccessToken, tr.RefreshToken
	c.ExpiresAt = time.Now().Add(time.Duration(tr.ExpiresIn) * time.Second)
	if err := saveCredentials(c); err != nil {
		return err
	}
	return call(c)
}

func newVerdictCmd(g *globalFlags) *cobra.Command {
	var pii bool
	cmd := &cobra.Command{
		Use:   "verdict EVENT_ID",
		Short: "Show the verdict of one email (uses the stored login)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var v api.VerdictView
			err := authedCall(cmd.Context(), func(c credentials) error {
				u := c.Server + "/v1/verdicts/" + url.PathEscape(args[0])
				if pii {
					u += "?include_pii=true"
				}
				return callAPI(cmd.Context(), "GET", u, c.AccessToken, nil, &v)
			})
			if err != nil {
				return err
			}
			if g.json {
				return json.NewEncoder(cmd.OutOrStdout()).Encode(v)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s  tenant=%s  action=%s  score=%.3f  model=%s@%s  findings=%v\n",
				v.EventID, v.Tenant, v.Action, v.Score, v.ModelName, v.ModelVersion, v.FindingCodes)
			return nil
		},
	}
	cmd.Flags().BoolVar(&pii, "pii", false, "include decrypted sender and subject (needs pii:read; audited)")
	return cmd
}

func newLogoutCmd(_ *globalFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "logout",
		Short: "Revoke the stored session and forget it",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			err := authedCall(cmd.Context(), func(c credentials) error {
				return callAPI(cmd.Context(), "POST", c.Server+"/auth/logout", c.AccessToken, nil, nil)
			})
			p, perr := credentialsPath()
			if perr == nil {
				_ = os.Remove(p)
			}
			return err
		},
	}
}
