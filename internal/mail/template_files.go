package mail

import (
	"errors"
	"fmt"
	htmltemplate "html/template"
	"io/fs"
	"os"
	"path/filepath"
	texttemplate "text/template"
)

// templateFiles reads template files from the override folder when present
// there and from the embedded files otherwise.
type templateFiles struct {
	override fs.FS
}

func newTemplateFiles(overrideDir string) (templateFiles, error) {
	if overrideDir == "" {
		return templateFiles{}, nil
	}
	entries, err := os.ReadDir(overrideDir)
	if err != nil {
		return templateFiles{}, fmt.Errorf("mail: read e-mail template folder: %w", err)
	}
	known := map[string]bool{layoutHTML: true, layoutText: true}
	for _, name := range Templates() {
		known[string(name)+".html"] = true
		known[string(name)+".txt"] = true
	}
	for _, entry := range entries {
		name := entry.Name()
		extension := filepath.Ext(name)
		if (extension == ".html" || extension == ".txt") && !known[name] {
			return templateFiles{}, fmt.Errorf("mail: e-mail template folder %s contains %s, which matches no template",
				overrideDir, name)
		}
	}
	return templateFiles{override: os.DirFS(overrideDir)}, nil
}

// read returns the override file name when it exists and the embedded one
// otherwise.
func (f templateFiles) read(name string) (string, error) {
	if f.override != nil {
		content, err := fs.ReadFile(f.override, name)
		if err == nil {
			return string(content), nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("mail: read template override: %w", err)
		}
	}
	content, err := embeddedTemplates.ReadFile("templates/" + name)
	if err != nil {
		return "", fmt.Errorf("mail: read embedded template: %w", err)
	}
	return string(content), nil
}

func (f templateFiles) parseText(layout, content string, funcs map[string]any) (*texttemplate.Template, error) {
	layoutSource, err := f.read(layout)
	if err != nil {
		return nil, err
	}
	contentSource, err := f.read(content)
	if err != nil {
		return nil, err
	}
	t, err := texttemplate.New(layout).Funcs(funcs).Option("missingkey=error").Parse(layoutSource)
	if err != nil {
		return nil, fmt.Errorf("mail: parse %s: %w", layout, err)
	}
	if _, err := t.New("content").Parse(contentSource); err != nil {
		return nil, fmt.Errorf("mail: parse %s: %w", content, err)
	}
	return t, nil
}

func (f templateFiles) parseHTML(layout, content string, funcs map[string]any) (*htmltemplate.Template, error) {
	layoutSource, err := f.read(layout)
	if err != nil {
		return nil, err
	}
	contentSource, err := f.read(content)
	if err != nil {
		return nil, err
	}
	t, err := htmltemplate.New(layout).Funcs(funcs).Option("missingkey=error").Parse(layoutSource)
	if err != nil {
		return nil, fmt.Errorf("mail: parse %s: %w", layout, err)
	}
	if _, err := t.New("content").Parse(contentSource); err != nil {
		return nil, fmt.Errorf("mail: parse %s: %w", content, err)
	}
	return t, nil
}
