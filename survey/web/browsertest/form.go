package browsertest

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/dom"
	"github.com/chromedp/chromedp"
)

// Field is a form field and what to give it: the values of the radio button, the
// checkboxes or the select option to choose, or the text to type (one value).
type Field struct {
	Name   string
	Values []string
}

// F is a Field with its values.
func F(name string, values ...string) Field { return Field{Name: name, Values: values} }

// Fill fills the fields in order, as a person would: it clicks radio buttons and
// checkboxes (in view, so a question that skip logic hides cannot be answered), picks
// select options, types into text inputs and text areas (replacing what they hold) and
// sets date and time inputs. Keep the order of the page, so that a question appears before it is
// filled. It works with and without the page's JavaScript.
func Fill(fields ...Field) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		for _, f := range fields {
			if err := fill(ctx, t, f); err != nil {
				return fmt.Errorf("fill %s: %w", f.Name, err)
			}
		}
		return nil
	})
}

func fill(ctx context.Context, t *chromedp.Target, f Field) error {
	sel := `[name="` + cssString(f.Name) + `"]`
	nodes, err := chromedp.Nodes(chromedp.CSSAll(sel))(ctx, t)
	if err != nil {
		return err
	}
	n := nodes[0]
	kind := strings.ToLower(n.NodeName)
	if kind == "input" {
		kind = n.AttributeValue("type")
	}
	switch kind {
	case "radio", "checkbox":
		for _, v := range f.Values {
			opt := chromedp.CSS(sel + `[value="` + cssString(v) + `"]`)
			if kind == "checkbox" {
				checked, err := chromedp.JavascriptAttribute[bool](opt, "checked")(ctx, t)
				if err != nil {
					return err
				}
				if checked {
					continue
				}
			}
			if _, err := chromedp.Click(opt)(ctx, t); err != nil {
				return err
			}
		}
		return nil
	case "select", "date", "time", "datetime-local":
		// Headless Chromium draws neither the list of a select nor a date picker: set the
		// value and tell the page, as the browser does after a choice.
		return set(ctx, t, sel, first(f.Values))
	default:
		if err := set(ctx, t, sel, ""); err != nil {
			return err
		}
		_, err := chromedp.SendKeys(chromedp.CSS(sel), first(f.Values), chromedp.NodeVisible)(ctx, t)
		return err
	}
}

func first(vs []string) string {
	if len(vs) == 0 {
		return ""
	}
	return vs[0]
}

// set gives the first element matching sel the value v, with the input and change events
// a person's edit fires.
func set(ctx context.Context, t *chromedp.Target, sel, v string) error {
	js := fmt.Sprintf(`(function (sel, v) {
	var e = document.querySelector(sel);
	if (e.value === v) return true;
	e.value = v;
	e.dispatchEvent(new Event('input', {bubbles: true}));
	e.dispatchEvent(new Event('change', {bubbles: true}));
	return e.value === v;
})(%s, %s)`, jsString(sel), jsString(v))
	ok, err := chromedp.Evaluate[bool](js)(ctx, t)
	if err == nil && !ok {
		err = fmt.Errorf("%q is not a value of %s", v, sel)
	}
	return err
}

// Submit clicks the submit button and waits for the page that answers: the thank-you page,
// or the form again with its problems.
func Submit() chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		// Mark the page, to tell the answer from it: a new page, or a new body when the
		// script posted the form and shows the server's answer.
		body, err := chromedp.Nodes(chromedp.CSS("body"))(ctx, t)
		if err != nil {
			return err
		}
		if _, err := cdp.Call(ctx, t, dom.SetAttributeValue, dom.SetAttributeValueParams{NodeID: body[0].NodeID, Name: "data-submitted", Value: "1"}); err != nil {
			return err
		}
		if _, err := chromedp.Click(chromedp.CSS(`#survey [type=submit]`))(ctx, t); err != nil {
			return err
		}
		_, err = chromedp.WaitReady(chromedp.CSS(`body:not([data-submitted]) main`))(ctx, t)
		return err
	})
}

// FillAndSubmit loads the form at pageURL, fills it, submits it and returns the URL of the
// page the browser ends on: the thank-you page, whose "id" parameter is the response id,
// when the form was accepted.
func FillAndSubmit(ctx context.Context, pageURL string, fields ...Field) (string, error) {
	if err := chromedp.Do(ctx, chromedp.Navigate(pageURL), Fill(fields...), Submit()); err != nil {
		return "", err
	}
	return chromedp.Run(ctx, chromedp.Location())
}

// Shown reports whether the question or group named key is shown: false when skip logic
// hides it, or when the page has no such question.
func Shown(ctx context.Context, key string) (bool, error) {
	js := fmt.Sprintf(`(function (k) {
	var e = document.querySelector('[data-q="' + k + '"]') || document.getElementById('g-' + k);
	return !!e && !e.hidden && e.offsetParent !== null;
})(%s)`, jsString(key))
	return chromedp.Run(ctx, chromedp.Evaluate[bool](js))
}

// Value returns the value of the first field named name: the text of a text input, the
// chosen option of a select, or the value of the checked radio button ("" when none).
func Value(ctx context.Context, name string) (string, error) {
	js := fmt.Sprintf(`(function (n) {
	var els = document.getElementsByName(n);
	for (var i = 0; i < els.length; i++) {
		var e = els[i];
		if (e.type !== 'radio' && e.type !== 'checkbox') return e.value;
		if (e.checked) return e.value;
	}
	return '';
})(%s)`, jsString(name))
	return chromedp.Run(ctx, chromedp.Evaluate[string](js))
}

func cssString(s string) string { return strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) }

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
